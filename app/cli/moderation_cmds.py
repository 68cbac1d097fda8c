"""`callsim moderation ...`: blind double-marking from a script (docs/contract.md §5). The
rules are `app.assessor.moderation.Moderation`'s; every command needs the assessor passphrase.
A refusal (the first marker named as second, a signed-off session, a second submission) is one
line on stderr with exit status 2, and nothing is written."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.cli.common import EXIT_OK, Context, Unusable
from app.storage import StorageError

COMMANDS = "request, show, mark, submit, agreement, disagreements, resolve, report"


@contextmanager
def _moderation(args: argparse.Namespace, *, write: bool) -> Iterator[tuple[Any, str]]:
    """(Moderation, session id or "") once the passphrase is verified."""
    from app.assessor.moderation import Moderation
    from app.cli.credentials import _session, _store, _unlock

    with _store(readonly=not write) as store:
        assert store is not None
        _unlock(args, store)
        ref = getattr(args, "session", None)
        yield Moderation(store), (_session(store, ref) if ref else "")


def _refused(sid: str, exc: Exception) -> Unusable:
    where = f"session {sid[:12]}: " if sid else ""
    return Unusable(f"{where}{exc}; nothing was written")


def _errors() -> tuple[type[Exception], ...]:
    from app.assessor.marks import MarkError

    return (MarkError, StorageError, LookupError)


def cmd_request(args: argparse.Namespace, ctx: Context) -> int:
    with _moderation(args, write=True) as (mod, sid):
        try:
            q = mod.request_second(
                sid, second_assessor=args.second, requested_by=args.assessor, note=args.note
            )
        except _errors() as exc:
            raise _refused(sid, exc) from None
    print(
        f"session {sid[:12]}: {q.second_assessor} asked for a blind second marking",
        file=sys.stderr,
    )
    return EXIT_OK


def cmd_show(args: argparse.Namespace, ctx: Context) -> int:
    from app.assessor.marks import stamp_words
    from app.cli.credentials import _printable, _table

    with _moderation(args, write=False) as (mod, sid):
        try:
            view = mod.view(sid, args.assessor)
        except _errors() as exc:
            raise Unusable(f"session {sid[:12]}: {exc}") from None
    head = ["CRITERION", "AUTOMATIC"] + ([] if view.blind else ["FIRST"]) + ["SECOND", "REASON"]
    rows = [head]
    for cid, auto in view.automatic.items():
        first = view.first.get(cid)
        first_words = "-" if first is None else (first.status or auto) + f" ({first.assessor})"
        second = view.second.get(cid)
        cells = [cid, auto] + ([] if view.blind else [first_words])
        cells += ["-", ""] if second is None else [second.status, _printable(second.reason)]
        rows.append(cells)
    print(_table(rows))
    if view.blind:
        print(
            f"blind second marking for {view.viewer}: the first assessor's marks, comments "
            "and verdict are hidden until you submit (`callsim moderation submit`)",
            file=sys.stderr,
        )
    else:
        if view.verdict is not None:
            print(f"verdict: {view.verdict.verdict} ({view.verdict.assessor})", file=sys.stderr)
        state = (
            "no second marking asked for"
            if view.request is None
            else f"second marking by {view.request.second_assessor}: "
            + (
                "submitted " + stamp_words(view.submitted.at)
                if view.submitted
                else "not submitted yet"
            )
        )
        print(state, file=sys.stderr)
    return EXIT_OK


def cmd_mark(args: argparse.Namespace, ctx: Context) -> int:
    with _moderation(args, write=True) as (mod, sid):
        try:
            mod.second_mark(
                sid, args.criterion, args.status, reason=args.reason, assessor=args.assessor
            )
        except _errors() as exc:
            raise _refused(sid, exc) from None
    print(f"session {sid[:12]}: second mark {args.criterion} = {args.status}", file=sys.stderr)
    return EXIT_OK


def cmd_submit(args: argparse.Namespace, ctx: Context) -> int:
    with _moderation(args, write=True) as (mod, sid):
        try:
            mod.submit(sid, assessor=args.assessor)
        except _errors() as exc:
            raise _refused(sid, exc) from None
    print(
        f"session {sid[:12]}: second marking submitted; both markings are now shown "
        "(`callsim moderation agreement`)",
        file=sys.stderr,
    )
    return EXIT_OK


def cmd_agreement(args: argparse.Namespace, ctx: Context) -> int:
    from app.cli.credentials import _table

    with _moderation(args, write=False) as (mod, sid):
        agreement = mod.agreement(sid)
    if agreement is None:
        raise Unusable(f"session {sid[:12]}: no second marking has been submitted")
    rows = [["CRITERION", "FIRST", "SECOND", "AGREE", "RESOLVED"]]
    for c in agreement.criteria:
        agree = "-" if c.agrees is None else ("yes" if c.agrees else "NO")
        resolved = (
            "" if c.resolution is None else f"{c.resolution.status} ({c.resolution.assessor})"
        )
        rows.append([c.criterion_id, c.first or "-", c.second or "-", agree, resolved])
    print(_table(rows))
    compared = [c for c in agreement.criteria if c.compared]
    agreed = sum(1 for c in compared if c.agrees)
    print(f"{agreed} of {len(compared)} criteria agree", file=sys.stderr)
    return EXIT_OK


def cmd_disagreements(args: argparse.Namespace, ctx: Context) -> int:
    from app.cli.credentials import _printable, _table

    with _moderation(args, write=False) as (mod, _sid):
        found = mod.disagreements()
    rows = [["SESSION", "TRAINEE", "CRITERION", "FIRST", "SECOND", "SECOND ASSESSOR"]]
    for d in found:
        c = d.criterion
        rows.append(
            [d.request.session_id[:12], _printable(d.trainee), c.criterion_id, c.first or "-",
             c.second or "-", d.request.second_assessor]
        )  # fmt: skip
    if found:
        print(_table(rows))
    print(f"{len(found)} disagreement{'s' * (len(found) != 1)} to resolve", file=sys.stderr)
    return EXIT_OK


def cmd_resolve(args: argparse.Namespace, ctx: Context) -> int:
    with _moderation(args, write=True) as (mod, sid):
        try:
            mod.resolve(
                sid, args.criterion, args.status, reason=args.reason, assessor=args.assessor
            )
        except _errors() as exc:
            raise _refused(sid, exc) from None
    print(
        f"session {sid[:12]}: {args.criterion} resolved as {args.status}; it is the standing mark",
        file=sys.stderr,
    )
    return EXIT_OK


def cmd_report(args: argparse.Namespace, ctx: Context) -> int:
    from app.assessor.files import write_atomically
    from app.assessor.moderation import REPORT_COLUMNS, report_cells, report_csv, report_html
    from app.cli.assessor_cmds import parse_day
    from app.cli.credentials import _table
    from app.storage.records import iso_utc

    out: Path | None = args.out
    if out is not None and out.suffix.lower() not in (".csv", ".html", ".htm"):
        raise Unusable(f"{out}: the report is written as .csv or .html")
    since = iso_utc(parse_day(args.since)) if args.since else None
    with _moderation(args, write=False) as (mod, _sid):
        rows = mod.report(since)
    if out is None:
        table = [[c.upper().replace("_", " ") for c in REPORT_COLUMNS]]
        print(_table(table + [report_cells(r) for r in rows]))
    else:
        text = report_csv(rows) if out.suffix.lower() == ".csv" else report_html(rows, since=since)
        try:
            write_atomically(out, text.encode("utf-8"), what="agreement report")
        except OSError as exc:
            raise Unusable(f"{out}: cannot write the report ({exc.strerror or exc})") from None
        print(f"agreement report written to {out}", file=sys.stderr)
    return EXIT_OK


def register(sub: Any) -> None:
    """Add `callsim moderation` and its commands."""
    from app.cli.credentials import _passphrase_option

    s = sub.add_parser("moderation", help=f"blind double-marking ({COMMANDS})")
    inner = s.add_subparsers(dest="moderation_command", parser_class=type(s), required=True)

    def session(p: Any) -> None:
        p.add_argument("session", metavar="SESSION", help="session id (or 6+ leading characters)")

    def assessor(p: Any, what: str = "who does this") -> None:
        p.add_argument("--assessor", required=True, metavar="NAME", help=what)

    p = inner.add_parser("request", help="ask a second assessor for a blind second marking")
    session(p)
    p.add_argument("--second", required=True, metavar="NAME", help="the second assessor")
    p.add_argument("--note", default="", metavar="TEXT", help="a note for the second assessor")
    assessor(p, "the lead asking")
    _passphrase_option(p)
    p.set_defaults(fn=cmd_request)

    p = inner.add_parser(
        "show", help="a session's marking as NAME may see it (blind while NAME marks it)"
    )
    session(p)
    assessor(p, "who is looking")
    _passphrase_option(p)
    p.set_defaults(fn=cmd_show)

    p = inner.add_parser("mark", help="the second assessor's status for one criterion")
    session(p)
    p.add_argument("criterion", metavar="CRITERION", help="the criterion id")
    p.add_argument("status", metavar="STATUS", help="met, missed, violated or not_violated")
    p.add_argument("--reason", default="", metavar="TEXT", help="why (needed when it differs)")
    assessor(p, "the second assessor")
    _passphrase_option(p)
    p.set_defaults(fn=cmd_mark)

    p = inner.add_parser("submit", help="hand the second marking in (once)")
    session(p)
    assessor(p, "the second assessor")
    _passphrase_option(p)
    p.set_defaults(fn=cmd_submit)

    p = inner.add_parser("agreement", help="both markings, criterion by criterion")
    session(p)
    _passphrase_option(p)
    p.set_defaults(fn=cmd_agreement)

    p = inner.add_parser("disagreements", help="disagreements waiting for a lead")
    _passphrase_option(p)
    p.set_defaults(fn=cmd_disagreements)

    p = inner.add_parser("resolve", help="a lead's decision on a disagreement (the standing mark)")
    session(p)
    p.add_argument("criterion", metavar="CRITERION", help="the criterion id")
    p.add_argument("status", metavar="STATUS", help="the status that stands")
    p.add_argument("--reason", required=True, metavar="TEXT", help="why")
    assessor(p, "the lead")
    _passphrase_option(p)
    p.set_defaults(fn=cmd_resolve)

    p = inner.add_parser(
        "report", help="the centre's inter-rater agreement: percent and Cohen's kappa"
    )
    p.add_argument("--since", metavar="DATE", help="double markings submitted since DATE")
    p.add_argument("--out", type=Path, metavar="FILE", help="write FILE.csv or FILE.html")
    _passphrase_option(p)
    p.set_defaults(fn=cmd_report)
