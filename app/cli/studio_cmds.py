"""Instructor commands: `callsim graph`, `lines`, `tag`, `nlu`, `schema`, `new` and `studio`.

The work is done in `app.studio`. Exit statuses as in `app.cli.common`: 0 fine, 1 problems
found (`tag --check`, `nlu --strict`), 2 unusable input (one located line on stderr).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from app.cli.common import EXIT_FAIL, EXIT_OK, EXIT_UNUSABLE, Context, Unusable, load, out
from app.cli.desktop import open_studio
from app.scenario.model import Scenario
from app.services.catalog import CatalogError


def _load(ctx: Context, ref: str) -> Scenario:
    """The scenario, without the lint checks (these tools also help with a file that has
    warnings)."""
    return load(ctx, ref, check=False)


# -- commands -------------------------------------------------------------------------------
def cmd_graph(args: argparse.Namespace, ctx: Context) -> int:
    from app.studio.graph import RENDERERS, scenario_graph

    out(RENDERERS[args.format](scenario_graph(_load(ctx, args.scenario))))
    return EXIT_OK


def cmd_lines(args: argparse.Namespace, ctx: Context) -> int:
    from app.studio.lines import lines_csv, lines_table

    s = _load(ctx, args.scenario)
    out(lines_csv(s) if args.csv else lines_table(s))
    return EXIT_OK


def cmd_tag(args: argparse.Namespace, ctx: Context) -> int:
    from app.scenario.problems import ScenarioError
    from app.studio.tag import TagError, tag_file

    missing = 0
    unusable = False
    for f in args.files:
        try:
            added, skipped = tag_file(f, write=not args.check)
        except ScenarioError as exc:  # not YAML we can edit: report it, change nothing
            print(f"callsim: {exc.errors[0] if exc.errors else exc}", file=sys.stderr)
            unusable = True
            continue
        except TagError as exc:
            print(f"callsim: {exc}", file=sys.stderr)
            unusable = True
            continue
        verb = "needs" if args.check else "added"
        for a in added:
            print(f"{f}:{a.line}:{a.col}: {verb} id {a.id}")
        for sk in skipped:
            print(f"{f}:{sk.line}:{sk.col}: no id added: {sk.reason}", file=sys.stderr)
        missing += (len(added) if args.check else 0) + len(skipped)
        if added and not args.check:
            n = len(added)
            print(f"{f}: {n} id{'s' * (n != 1)} added", file=sys.stderr)
        elif not added and not skipped:
            print(f"{f}: every line has an id; nothing changed", file=sys.stderr)
    if unusable:
        return EXIT_UNUSABLE
    return EXIT_FAIL if missing else EXIT_OK


def cmd_nlu(args: argparse.Namespace, ctx: Context) -> int:
    from app.studio.nlu import format_report, nlu_report

    s = _load(ctx, args.scenario)
    matcher = ctx.catalog.matcher(s)
    if args.unmatched:
        out(_unmatched_report(s, matcher))
        return EXIT_OK
    from app.scenario.loader import read_source
    from app.scenario.yamlsrc import load_yaml

    text, _ = read_source(s.path)
    report = nlu_report(s, matcher, load_yaml(text, s.path))
    out(format_report(report, s.path))
    return EXIT_FAIL if args.strict and report.problems else EXIT_OK


def _unmatched_report(s: Scenario, matcher: Any) -> str:
    from app.storage import SessionStore, default_db_path
    from app.studio.nlu import Unmatched, format_unmatched, recorded_said, unmatched_lines

    if not default_db_path().exists():  # nothing recorded yet: do not create a database
        return format_unmatched(Unmatched(), s.id)
    with SessionStore() as store:
        sessions, said = recorded_said(store, s.id)
    return format_unmatched(unmatched_lines(said, matcher, sessions), s.id)


def cmd_schema(args: argparse.Namespace, ctx: Context) -> int:
    from app.studio.schema import schema_json

    out(schema_json())
    return EXIT_OK


def cmd_new(args: argparse.Namespace, ctx: Context) -> int:
    from app.scenario.reader import SCENARIO_ID
    from app.studio.template import new_scenario_text, template_path

    sid = args.id
    if not SCENARIO_ID.match(sid):
        raise Unusable(
            f"{sid}: not a valid scenario id (lowercase words joined by '-', like my-case)"
        )
    out_dir = Path(args.out)
    if not out_dir.is_dir():
        raise Unusable(f"{out_dir}: no such directory")
    target = out_dir / f"{sid}.yaml"
    text = new_scenario_text(template_path(), sid)
    try:
        with open(target, "x", encoding="utf-8", newline="") as f:  # never overwrites
            f.write(text)
    except FileExistsError:
        raise Unusable(f"{target}: already exists; choose another id or --out folder") from None
    except OSError as exc:
        raise Unusable(f"{target}: cannot write: {exc.strerror}") from None
    print(target)
    print(
        f"next: edit it, then `callsim lint {target}` and `callsim test {target}`", file=sys.stderr
    )
    return EXIT_OK


def cmd_studio(args: argparse.Namespace, ctx: Context) -> int:
    """The studio window (opened through `app.cli.desktop`, so `callsim` stays Qt-free)."""
    path = None
    if args.scenario is not None:
        try:
            path = ctx.catalog.resolve(args.scenario)
        except CatalogError as exc:
            raise Unusable(str(exc)) from None
        if not path.is_file():
            raise Unusable(f"{path}: no such file (start one with `callsim new ID`)")
    return open_studio(path, ctx)


# -- wiring ---------------------------------------------------------------------------------
def register(sub: Any) -> None:
    """Add the instructor commands to `callsim`'s subparsers."""
    s = sub.add_parser("graph", help="draw a scenario's states and handlers (Mermaid or DOT)")
    s.add_argument("scenario", metavar="FILE")
    s.add_argument("--format", choices=("mermaid", "dot"), default="mermaid")
    s.set_defaults(fn=cmd_graph)

    s = sub.add_parser("lines", help="list a scenario's caller lines (for voice actors)")
    s.add_argument("scenario", metavar="FILE")
    s.add_argument("--csv", action="store_true", help="CSV with columns id, emotion, note, text")
    s.set_defaults(fn=cmd_lines)

    s = sub.add_parser("tag", help="give caller lines without an id a stable one, in place")
    s.add_argument("files", nargs="+", metavar="FILE")
    s.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if any line lacks an id"
    )
    s.set_defaults(fn=cmd_tag)

    s = sub.add_parser("nlu", help="which intent examples the matcher does not hear as their own")
    s.add_argument("scenario", metavar="FILE")
    s.add_argument("--strict", action="store_true", help="exit 1 if any problem is found")
    s.add_argument(
        "--unmatched",
        action="store_true",
        help="list trainee lines from recorded sessions that matched no intent",
    )
    s.set_defaults(fn=cmd_nlu)

    s = sub.add_parser("schema", help="print the JSON Schema of the scenario format")
    s.set_defaults(fn=cmd_schema)

    s = sub.add_parser("new", help="start a scenario from the template")
    s.add_argument("id", metavar="ID")
    s.add_argument("--out", default=".", metavar="DIR", help="folder to write ID.yaml in")
    s.set_defaults(fn=cmd_new)

    s = sub.add_parser("studio", help="open the instructor studio (write, check, hear, test)")
    s.add_argument("scenario", metavar="FILE", nargs="?", help="a scenario file or shipped id")
    s.set_defaults(fn=cmd_studio)
