"""Scenario commands: `callsim lint`, `test`, `play`, `match` and `demo`. This module parses and
prints; the rules live in the engine, matcher and scorer."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from app.cli.common import EXIT_FAIL, EXIT_OK, EXIT_UNUSABLE, Context, Unusable, first_error, load
from app.scenario.problems import Problem, ScenarioError
from app.scenario.vocabulary import BAD, GOOD, Status
from app.services.catalog import CatalogError

if TYPE_CHECKING:
    from app.scoring.result import Result


# -- commands -------------------------------------------------------------------------------
def cmd_lint(args: argparse.Namespace, ctx: Context) -> int:
    from app.scenario.loader import lint_file

    n_err = n_warn = 0
    for f in args.files:
        problems: list[Problem] = lint_file(f)
        for p in problems:
            print(p)
        n_err += sum(p.is_error for p in problems)
        n_warn += sum(not p.is_error for p in problems)
    files = len(args.files)
    print(f"{files} file{'s' * (files != 1)}: {n_err} errors, {n_warn} warnings", file=sys.stderr)
    return EXIT_FAIL if n_err else EXIT_OK


def cmd_test(args: argparse.Namespace, ctx: Context) -> int:
    from app.headless import run_playtest

    catalog = ctx.catalog
    passed = failed = 0
    unusable = False
    for f in args.files:
        try:
            scenario = catalog.load(catalog.resolve(f))
        except ScenarioError as exc:
            print(first_error(exc), file=sys.stderr)
            unusable = True
            continue
        except CatalogError as exc:
            print(exc, file=sys.stderr)
            unusable = True
            continue
        if not scenario.playtests:
            print(f"{f}: no playtests", file=sys.stderr)
        matcher = catalog.matcher(scenario)
        for pt in scenario.playtests:
            problems = run_playtest(scenario, pt, matcher)
            if problems:
                failed += 1
                print(f"FAIL {f}:{pt.pos.line}: {pt.name}")
                for p in problems:
                    print(f"    {p}")
            else:
                passed += 1
                print(f"ok   {f}:{pt.pos.line}: {pt.name}")
    print(f"{passed} passed, {failed} failed")
    if unusable:
        return EXIT_UNUSABLE
    return EXIT_FAIL if failed else EXIT_OK


def cmd_play(args: argparse.Namespace, ctx: Context) -> int:
    from app.headless import check_steps, record_run, run_steps
    from app.scenario.transcript import load_transcript

    scenario = load(ctx, args.scenario)
    try:
        steps = load_transcript(args.transcript)
    except ScenarioError as exc:
        raise Unusable(first_error(exc, lintable=False)) from None
    problems = check_steps(scenario, steps, args.transcript)
    if problems:
        raise Unusable(first_error(ScenarioError(problems), lintable=False))
    run = run_steps(scenario, steps, ctx.catalog.matcher(scenario))
    if args.record:
        from app.storage import SessionStore

        store = SessionStore()
        sid = record_run(store, run, trainee=args.trainee)
        store.close()
        print(f"recorded session {sid}", file=sys.stderr)  # stderr: --json stdout stays pure
    if args.json:
        print(json.dumps(run.result, indent=2, ensure_ascii=False))
    else:
        print(format_result(run.result))
    return EXIT_OK


def cmd_match(args: argparse.Namespace, ctx: Context) -> int:
    scenario = load(ctx, args.scenario)
    matcher = ctx.catalog.matcher(scenario)
    if args.explain:
        from app.matching import format_explanation

        texts = [args.text] if args.text is not None else [t.rstrip("\n") for t in sys.stdin]
        print("\n\n".join(format_explanation(matcher.explain(t)) for t in texts))
        return EXIT_OK
    if args.text is not None:
        r = matcher.match(args.text)
        if not r.intents:
            print("(no intent)")
        for i in r.intents:
            band = r.bands.get(i, "confident")
            print(f"{i}\t{r.scores.get(i, 0):.3f}" + ("\tunsure" if band == "unsure" else ""))
        return EXIT_OK
    for raw in sys.stdin:
        text = raw.rstrip("\n")
        r = matcher.match(text)
        line = {"text": text, "intents": list(r.intents), "scores": r.scores}  # contract §1
        print(json.dumps(line, ensure_ascii=False))
    return EXIT_OK


def cmd_demo(args: argparse.Namespace, ctx: Context) -> int:
    """Play the built-in scenario's model answer headless and print the result."""
    from app.headless import run_steps

    ref = args.scenario or ctx.catalog.built_in()
    if ref is None:
        raise Unusable(f"no scenarios found in {ctx.catalog.folder}")
    scenario = load(ctx, ref)
    if not scenario.playtests:
        raise Unusable(f"{scenario.path}: has no playtests to demonstrate")
    pt = scenario.playtests[0]
    run = run_steps(scenario, pt.steps, ctx.catalog.matcher(scenario))
    print(f"{scenario.title}\nPlaytest: {pt.name}\n")
    for turn in run.result["turns"]:
        who = "CALLER " if turn["speaker"] == "caller" else "TRAINEE"
        print(f"[{turn['t']:6.1f}s] {who} {turn['text']}")
    print()
    print(format_result(run.result))
    return EXIT_OK


def format_result(result: Result) -> str:
    lines = [
        f"{'PASSED' if result['passed'] else 'NOT PASSED'}  score {result['score']} "
        f"(pass mark {result['pass_mark']}), ended by {result['ended_by'] or 'nobody'}"
    ]
    if result["critical_failures"]:
        lines.append("Critical failures: " + ", ".join(result["critical_failures"]))
    order = sorted(
        result["criteria"].items(), key=lambda kv: kv[0] not in result["critical_failures"]
    )
    for cid, c in order:
        s = c["status"]
        mark = "+" if s in GOOD else "!" if s == Status.VIOLATED else "-" if s in BAD else "?"
        lines.append(f"  {mark} {c['status']:<12} {cid}: {c['title']}")
    metrics = ", ".join(f"{k} {v}" for k, v in result["metrics"].items())
    lines.append(f"Metrics: {metrics}")
    return "\n".join(lines)


# -- wiring ---------------------------------------------------------------------------------
def register(sub: Any) -> None:
    """Add the scenario commands to `callsim`'s subparsers."""
    s = sub.add_parser("lint", help="validate scenario files")
    s.add_argument("files", nargs="+", metavar="FILE")
    s.set_defaults(fn=cmd_lint)
    s = sub.add_parser("test", help="run scenarios' playtests")
    s.add_argument("files", nargs="+", metavar="FILE")
    s.set_defaults(fn=cmd_test)
    s = sub.add_parser("play", help="run a trainee transcript headless")
    s.add_argument("scenario", metavar="SCENARIO")
    s.add_argument("transcript", metavar="TRANSCRIPT")
    s.add_argument("--json", action="store_true", help="print the result object as JSON")
    s.add_argument("--record", action="store_true", help="store the run as a session")
    s.add_argument("--trainee", default="headless", help="trainee name for --record")
    s.set_defaults(fn=cmd_play)
    s = sub.add_parser("match", help="show the intents found in text")
    s.add_argument("scenario", metavar="SCENARIO")
    s.add_argument("text", nargs="?", metavar="TEXT")
    s.add_argument(
        "--explain",
        action="store_true",
        help="per clause: the top candidates with their scores, the bar and band, and what a "
        "'not' line, an off-topic line or the generic negatives blocked",
    )
    s.set_defaults(fn=cmd_match)
    s = sub.add_parser("demo", help="play a scenario's first playtest and print the result")
    s.add_argument("scenario", nargs="?", default=None, metavar="SCENARIO")
    s.set_defaults(fn=cmd_demo)
