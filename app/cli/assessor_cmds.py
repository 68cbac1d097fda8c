"""Assessor commands for scripts: `callsim sessions list`, `report`, `export`, `verify`, and
`callsim assessor passphrase`.

The work is done in `app.assessor`. All read the database in `CALLSIM_DATA_DIR` (else the
user's data directory). Exit statuses as in `app.cli.common`: 0 fine, 1 `verify` found an
altered session, 2 unusable input (one line on stderr). Marking stays in the desktop app,
behind the assessor passphrase.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from app.cli.common import EXIT_FAIL, EXIT_OK, Context, Unusable
from app.cli.desktop import write_pdf
from app.storage import (
    STATUSES,
    DataFolderError,
    SessionStore,
    StorageError,
    default_db_path,
)


@contextmanager
def _store(*, must_exist: bool = True) -> Iterator[SessionStore | None]:
    """The session store, or None when no database exists and `must_exist` is False."""
    path = default_db_path()
    folder = path.parent
    if folder.exists() and not os.access(folder, os.R_OK | os.X_OK):
        raise Unusable(str(DataFolderError(folder, "permission denied")))
    if not path.exists():
        if must_exist:
            raise Unusable(f"{path}: no sessions recorded yet (set CALLSIM_DATA_DIR?)")
        yield None
        return
    try:
        store = SessionStore(path)
    except StorageError as exc:
        raise Unusable(str(exc)) from None
    with store:
        yield store


def _session(store: SessionStore, ref: str) -> str:
    from app.assessor.library import resolve_session

    try:
        return resolve_session(store, ref)
    except LookupError as exc:
        raise Unusable(str(exc.args[0] if exc.args else exc)) from None


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


def _printable(text: str) -> str:
    """Stored text for the terminal: control characters (escape sequences) shown as '?'."""
    return "".join(c if c.isprintable() else "?" for c in text)


def _table(rows: list[list[str]]) -> str:
    rows = [[_printable(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )


# -- commands -------------------------------------------------------------------------------
def cmd_sessions_list(args: argparse.Namespace, ctx: Context) -> int:
    from app.assessor.library import query_sessions

    with _store(must_exist=False) as store:
        if store is None:
            rows = []
        else:
            store.mark_interrupted()  # writers that died mid-call show as interrupted
            rows = query_sessions(
                store,
                trainee=args.trainee,
                scenario_id=args.scenario,
                status=args.status,
                review=args.review,
                text=args.search,
            )
    if args.json:
        print(json.dumps([r.to_json() for r in rows], indent=2, ensure_ascii=False))
        return EXIT_OK
    if not rows:
        print(f"no sessions (data folder: {default_db_path().parent})", file=sys.stderr)
        return EXIT_OK
    table = [["ID", "TRAINEE", "SCENARIO", "DATE (UTC)", "MODE", "DURATION", "SCORE"]]
    table[0] += ["PASSED", "REVIEW", "STATUS"]
    for r in rows:
        passed = "-" if r.passed is None else ("yes" if r.passed else "no")
        review = r.review if r.verdict is None else f"{r.review} ({r.verdict})"
        table.append(
            [
                r.id[:12],
                r.trainee,
                r.scenario_id,
                r.started_at.strftime("%Y-%m-%d %H:%M"),
                r.mode,
                _duration(r.duration),
                "-" if r.score is None else f"{r.score:g}",
                passed,
                review,
                r.status,
            ]
        )
    print(_table(table))
    return EXIT_OK


def _write_pdf(html_text: str, out: Path) -> None:
    try:
        write_pdf(html_text, out)
    except ImportError as exc:
        raise Unusable(f"{out}: PDF needs the desktop app's Qt libraries ({exc})") from None
    except Exception as exc:  # Qt missing a platform plugin, a write error, ...
        raise Unusable(f"{out}: cannot write the PDF: {type(exc).__name__}: {exc}") from None
    if not out.is_file():
        raise Unusable(f"{out}: the PDF was not written")


def cmd_report(args: argparse.Namespace, ctx: Context) -> int:
    from app.assessor.marks import Marking
    from app.assessor.report import report_html

    out = Path(args.out)
    if not out.parent.is_dir():
        raise Unusable(f"{out}: no such directory {out.parent}")
    with _store() as store:
        assert store is not None
        sid = _session(store, args.session)
        text = report_html(store, sid, marking=Marking(store))
    if args.format == "pdf":
        _write_pdf(text, out)
    else:
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise Unusable(f"{out}: cannot write: {exc.strerror}") from None
    print(f"wrote {out}", file=sys.stderr)
    return EXIT_OK


def parse_day(text: str, *, end: bool = False) -> datetime:
    """A DATE (YYYY-MM-DD, whole day: `end` gives the next midnight) or an ISO date-time, in
    UTC unless it says otherwise."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return moment + timedelta(days=1) if end else moment
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Unusable(f"{text}: not a date (use YYYY-MM-DD)") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def cmd_export(args: argparse.Namespace, ctx: Context) -> int:
    from app.assessor.export import export_csv
    from app.assessor.marks import Marking

    since = parse_day(args.since) if args.since else None
    until = parse_day(args.until, end=True) if args.until else None
    out = Path(args.csv)
    if not out.parent.is_dir():
        raise Unusable(f"{out}: no such directory {out.parent}")
    with _store(must_exist=False) as store:
        if store is None:
            raise Unusable(f"{default_db_path()}: no sessions recorded yet")
        try:
            n = export_csv(
                store,
                out,
                marking=Marking(store),
                trainee=args.trainee,
                scenario_id=args.scenario,
                since=since,
                until=until,
            )
        except OSError as exc:
            raise Unusable(f"{out}: cannot write: {exc.strerror}") from None
    print(f"{n} session{'s' * (n != 1)} written to {out}", file=sys.stderr)
    return EXIT_OK


def cmd_verify(args: argparse.Namespace, ctx: Context) -> int:
    from app.assessor.marks import Marking
    from app.assessor.report import verify_text

    with _store() as store:
        assert store is not None
        sid = _session(store, args.session)
        check = store.verify(sid)
        audit = Marking(store).verify_audit(sid)
    print(verify_text(check))
    if audit.checked or not audit.ok:
        print(f"assessor audit trail {verify_text(audit, 'entries')}")
    return EXIT_OK if check.ok and audit.ok else EXIT_FAIL


def cmd_passphrase(args: argparse.Namespace, ctx: Context) -> int:
    import getpass

    from app.assessor.auth import AssessorAuth, WeakPassphrase, WrongPassphrase

    with _store(must_exist=False) as existing:
        store = existing
        if store is None:
            store = SessionStore(default_db_path())
        with store:
            auth = AssessorAuth(store)
            current = getpass.getpass("Current passphrase: ") if auth.is_set() else None
            if current is not None and not auth.verify(current):
                raise Unusable("the current passphrase is not correct; nothing changed")
            new = getpass.getpass("New passphrase (at least 8 characters): ")
            if getpass.getpass("New passphrase again: ") != new:
                raise Unusable("the two new passphrases differ; nothing changed")
            try:
                auth.set_passphrase(new, current=current)
            except (WeakPassphrase, WrongPassphrase) as exc:
                raise Unusable(f"{exc}; nothing changed") from None
    print("assessor passphrase set", file=sys.stderr)
    return EXIT_OK


# -- wiring ---------------------------------------------------------------------------------
def register(sub: Any) -> None:
    """Add the assessor commands to `callsim`'s subparsers."""
    s = sub.add_parser("sessions", help="recorded sessions (see `callsim sessions list -h`)")
    inner = s.add_subparsers(dest="sessions_command", parser_class=type(s), required=True)
    ls = inner.add_parser("list", help="list recorded sessions, newest first")
    ls.add_argument("--json", action="store_true", help="print a JSON list")
    ls.add_argument("--trainee", metavar="NAME")
    ls.add_argument("--scenario", metavar="ID")
    ls.add_argument("--status", choices=STATUSES)
    ls.add_argument("--review", choices=("unreviewed", "in_review", "reviewed"))
    ls.add_argument("--search", metavar="WORDS", help="words said in the call")
    ls.set_defaults(fn=cmd_sessions_list)

    s = sub.add_parser("report", help="a session's report as HTML or PDF")
    s.add_argument("session", metavar="SESSION", help="session id (or 6+ leading characters)")
    s.add_argument("--format", choices=("html", "pdf"), default="html")
    s.add_argument("--out", required=True, metavar="FILE")
    s.set_defaults(fn=cmd_report)

    s = sub.add_parser("export", help="results of many sessions as CSV")
    s.add_argument("--csv", required=True, metavar="FILE")
    s.add_argument("--trainee", metavar="NAME")
    s.add_argument("--scenario", metavar="ID")
    s.add_argument("--since", metavar="DATE", help="sessions started on or after (YYYY-MM-DD)")
    s.add_argument("--until", metavar="DATE", help="sessions started on or before (YYYY-MM-DD)")
    s.set_defaults(fn=cmd_export)

    s = sub.add_parser("verify", help="check a session's event log and audit trail by hash")
    s.add_argument("session", metavar="SESSION", help="session id (or 6+ leading characters)")
    s.set_defaults(fn=cmd_verify)

    s = sub.add_parser("assessor", help="assessor settings")
    inner = s.add_subparsers(dest="assessor_command", parser_class=type(s), required=True)
    pp = inner.add_parser("passphrase", help="set or change the assessor passphrase")
    pp.set_defaults(fn=cmd_passphrase)
