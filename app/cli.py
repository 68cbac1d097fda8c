"""The `callsim` command (contract §1). This module wires things together and prints; the
rules live in the engine, matcher and scorer.

Exit statuses: 0 success; 1 lint errors or failed playtests; 2 unusable input (a missing
file, invalid YAML, an unknown scenario id), always as one located line on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from app.scenario.problems import Problem, ScenarioError
from app.scenario.vocabulary import BAD, GOOD, Status

if TYPE_CHECKING:
    from app.scoring.result import Result

EXIT_OK, EXIT_FAIL, EXIT_UNUSABLE, EXIT_INTERNAL = 0, 1, 2, 3

# Modules with `register(subparsers)` adding their own commands (kept out of this file so
# each tool's code lives with its feature).
EXTENSIONS: tuple[str, ...] = ("app.cli_studio", "app.cli_assessor")


class Unusable(Exception):
    """Input the command cannot work with; the message is already located and worded."""


def scenarios_dir() -> Path:
    """Where shipped scenarios live: `CALLSIM_SCENARIOS`, else the checkout's `scenarios/`."""
    env = os.environ.get("CALLSIM_SCENARIOS")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "scenarios"


def built_in_scenario() -> str:
    """The scenario `make run` opens first, named in resources/product.toml (data, not code)."""
    import tomllib

    path = Path(__file__).resolve().parent.parent / "resources" / "product.toml"
    try:
        return str(tomllib.loads(path.read_text("utf-8"))["built_in_scenario"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        ids = [p.stem for p in shipped_scenarios()]
        if not ids:
            raise Unusable(f"no scenarios found in {scenarios_dir()}") from None
        return ids[0]


def shipped_scenarios() -> list[Path]:
    d = scenarios_dir()
    return sorted(d.glob("*.yaml")) if d.is_dir() else []


def resolve_scenario(ref: str) -> Path:
    """A scenario file path, or the id of a shipped scenario."""
    p = Path(ref)
    if p.suffix in (".yaml", ".yml") or p.exists() or os.sep in ref or "/" in ref:
        return p
    candidate = scenarios_dir() / f"{ref}.yaml"
    if candidate.exists():
        return candidate
    from app.scenario.problems import did_you_mean

    ids = [q.stem for q in shipped_scenarios()]
    raise Unusable(
        f"{ref}: unknown scenario id{did_you_mean(ref, ids)} (shipped: {', '.join(ids)})"
    )


def _load(ref: str) -> Any:
    from app.scenario.loader import load_scenario

    path = resolve_scenario(ref)
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        raise Unusable(_first_error(exc)) from None


def _first_error(exc: ScenarioError, *, lintable: bool = True) -> str:
    """The first error, and how many more. `lintable`: the file is a scenario, so `callsim
    lint` lists the rest (it does not read transcripts)."""
    errors = exc.errors or exc.problems
    hint = "; run `callsim lint`" if lintable else ""
    more = f" (and {len(errors) - 1} more{hint})" if len(errors) > 1 else ""
    return f"{errors[0]}{more}" if errors else str(exc)


# -- commands -------------------------------------------------------------------------------
def cmd_lint(args: argparse.Namespace) -> int:
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


def cmd_test(args: argparse.Namespace) -> int:
    from app.headless import matcher_for, run_playtest
    from app.scenario.loader import load_scenario

    passed = failed = 0
    unusable = False
    for f in args.files:
        try:
            scenario = load_scenario(resolve_scenario(f))
        except ScenarioError as exc:
            print(_first_error(exc), file=sys.stderr)
            unusable = True
            continue
        except Unusable as exc:
            print(exc, file=sys.stderr)
            unusable = True
            continue
        if not scenario.playtests:
            print(f"{f}: no playtests", file=sys.stderr)
        matcher = matcher_for(scenario)
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


def cmd_play(args: argparse.Namespace) -> int:
    from app.headless import check_steps, record_run, run_steps
    from app.scenario.steps import load_transcript

    scenario = _load(args.scenario)
    try:
        steps = load_transcript(args.transcript)
    except ScenarioError as exc:
        raise Unusable(_first_error(exc, lintable=False)) from None
    problems = check_steps(scenario, steps, args.transcript)
    if problems:
        raise Unusable(_first_error(ScenarioError(problems), lintable=False))
    run = run_steps(scenario, steps)
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


def cmd_match(args: argparse.Namespace) -> int:
    from app.headless import matcher_for

    scenario = _load(args.scenario)
    matcher = matcher_for(scenario)
    if args.text is not None:
        r = matcher.match(args.text)
        if not r.intents:
            print("(no intent)")
        for i in r.intents:
            print(f"{i}\t{r.scores.get(i, 0):.3f}")
        return EXIT_OK
    for raw in sys.stdin:
        text = raw.rstrip("\n")
        r = matcher.match(text)
        print(
            json.dumps(
                {"text": text, "intents": list(r.intents), "scores": r.scores}, ensure_ascii=False
            )
        )
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    """Play the built-in scenario's model answer headless and print the result."""
    from app.headless import run_steps

    scenario = _load(args.scenario or built_in_scenario())
    if not scenario.playtests:
        raise Unusable(f"{scenario.path}: has no playtests to demonstrate")
    pt = scenario.playtests[0]
    run = run_steps(scenario, pt.steps)
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


def cmd_app(args: argparse.Namespace) -> int:
    """Open the desktop app. Where it cannot open (no display, e.g. over SSH; Qt missing),
    say why in one line and play the built-in scenario's model answer as text instead, so
    `make run` always shows the simulator working."""
    try:
        from app.ui.main import display_missing, run_app
    except ImportError as exc:
        print(
            f"callsim: the desktop app cannot start ({exc}); a text run follows.", file=sys.stderr
        )
        return cmd_demo(argparse.Namespace(scenario=None))
    if display_missing():
        print(
            "callsim: no display found (DISPLAY/WAYLAND_DISPLAY), so the desktop app cannot "
            "open here; a text run of the built-in scenario's model answer follows.",
            file=sys.stderr,
        )
        return cmd_demo(argparse.Namespace(scenario=None))
    return int(run_app())


# -- wiring ---------------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_UNUSABLE, f"{self.prog}: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="callsim", description="999 call-handling simulator")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)
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
    s.set_defaults(fn=cmd_match)
    s = sub.add_parser("demo", help="play a scenario's first playtest and print the result")
    s.add_argument("scenario", nargs="?", default=None, metavar="SCENARIO")
    s.set_defaults(fn=cmd_demo)
    for name in EXTENSIONS:  # further command groups register themselves here
        importlib.import_module(name).register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    fn = getattr(args, "fn", cmd_app)
    try:
        return int(fn(args))
    except Unusable as exc:
        print(f"callsim: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except ScenarioError as exc:
        print(f"callsim: {_first_error(exc)}", file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # a bug: say so in one line, keep the traceback for developers
        if os.environ.get("CALLSIM_DEBUG"):
            raise
        print(
            f"callsim: internal error: {type(exc).__name__}: {exc} "
            "(set CALLSIM_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
