"""Assessor commands for scripts: `callsim sessions list`, `report`, `export`, `verify`, and
`callsim assessor passphrase` (docs/contract.md §5).

The work is done in `app.assessor`. All read the database in `CALLSIM_DATA_DIR` (else the
user's data directory); `verify`, `report` and `export` open it read-only, so they work on a
read-only evidence copy. Exit statuses as in `app.cli.common`: 0 fine, 1 `verify` found an
altered session, 2 unusable input (one line on stderr, naming the file and what to do), 3 an
internal error (see the log). Marking stays in the desktop app; withdrawing a comment, signing
off and reopening are also in app/cli/signoff_cmds.py.

Assessor data (marks, comments, verdicts, reviewed scores, review states) is shown only with
the assessor passphrase: `--passphrase-file FILE` (its first line; `-` reads stdin), else the
file named by `$CALLSIM_PASSPHRASE_FILE`, else a prompt when run in a terminal. The passphrase
itself is never taken from the command line or the environment, where other accounts and the
shell history could read it. `verify` needs none: it never prints what an assessor wrote.
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
from typing import TYPE_CHECKING, Any

from app.cli.common import EXIT_FAIL, EXIT_OK, Context, Unusable
from app.cli.credentials import (
    PASSPHRASE_FILE_ENV,
    _passphrase_option,
    _read_secret,
    _session,
    _store,
    _table,
    _unlock,
)
from app.cli.desktop import write_pdf
from app.scenario.vocabulary import STATUSES as CRITERION_STATUSES
from app.storage import (
    MODES,
    STATUSES,
    DataFolderError,
    SessionStore,
    StorageError,
    default_db_path,
)

if TYPE_CHECKING:
    from app.assessor.report import Generated
    from app.storage import SessionInfo
    from app.storage.library_repo import LibraryRow


def _criterion_filter(text: str) -> tuple[str, str]:
    """`--criterion ID=STATUS` as (id, status); argparse turns the error into one line."""
    cid, sep, status = text.partition("=")
    if not sep or not cid.strip():
        raise argparse.ArgumentTypeError(f"{text!r}: give a criterion and a status, ID=STATUS")
    if status.strip() not in CRITERION_STATUSES:
        raise argparse.ArgumentTypeError(
            f"{text!r}: the status must be one of {', '.join(CRITERION_STATUSES)}"
        )
    return cid.strip(), status.strip()


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


# -- commands -------------------------------------------------------------------------------
def cmd_sessions_list(args: argparse.Namespace, ctx: Context) -> int:
    if args.central:  # the central store: no passphrase there (docs/central.md)
        from app.cli.central_read_cmds import list_rows

        rows = list_rows(args)
    else:
        rows = _local_rows(args)
    if args.json:
        print(json.dumps([r.to_json() for r in rows], indent=2, ensure_ascii=False))
        return EXIT_OK
    if not rows:
        where = "the central store" if args.central else f"data folder: {default_db_path().parent}"
        print(f"no sessions ({where})", file=sys.stderr)
        return EXIT_OK
    return _print_rows(rows)


def _local_rows(args: argparse.Namespace) -> list[LibraryRow]:
    from app.assessor.library import query_sessions

    with _listing_store() as store:
        if store is None:
            return []
        _unlock(args, store)
        return query_sessions(
            store,
            trainee=args.trainee,
            scenario_id=args.scenario,
            status=args.status,
            review=args.review,
            mode=args.mode,
            criterion=args.criterion,
            text=args.search,
        )


def _print_rows(rows: list[LibraryRow]) -> int:
    table = [["ID", "TRAINEE", "SCENARIO", "DATE (UTC)", "MODE", "DURATION", "SCORE"]]
    table[0] += ["PASSED", "REVIEW", "STATUS"]
    for r in rows:
        passed = "-" if r.passed is None else ("yes" if r.passed else "no")
        review = r.review if r.verdict is None else f"{r.review} ({r.verdict})"
        review += ", signed off" if r.signed_off else ""
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


_CANNOT_WRITE = ("permission denied", "it is read-only", "the disk is full")


@contextmanager
def _listing_store() -> Iterator[SessionStore | None]:
    """The store for `sessions list`, with sessions whose writer died marked interrupted;
    read-only (and unmarked) when the file or its folder cannot be written."""
    from app.storage.errors import DatabaseFileError

    path = default_db_path()
    if not path.exists():
        with _store(must_exist=False) as none:
            yield none
        return
    store: SessionStore | None = None
    try:
        store = SessionStore(path)
        store.mark_interrupted()
    except (DataFolderError, DatabaseFileError) as exc:
        if store is not None:
            store.close()
        if exc.reason not in _CANNOT_WRITE:
            raise Unusable(str(exc)) from None
        store = None
    except StorageError as exc:
        if store is not None:
            store.close()
        raise Unusable(str(exc)) from None
    if store is None:
        with _store(readonly=True) as readonly:
            yield readonly
        return
    with store:
        yield store


def _write_pdf(html_text: str, out: Path, *, title: str, footer: str) -> None:
    from app.assessor.files import OutputFileError

    try:
        write_pdf(html_text, out, title=title, footer=footer)
    except ImportError as exc:
        raise Unusable(f"{out}: PDF needs the desktop app's Qt libraries ({exc})") from None
    except OutputFileError as exc:
        raise Unusable(str(exc)) from None
    except Exception as exc:  # Qt missing a platform plugin, ...
        raise Unusable(f"{out}: cannot make the PDF: {type(exc).__name__}: {exc}") from None


def cmd_report(args: argparse.Namespace, ctx: Context) -> int:
    from app.assessor.files import OutputFileError, write_atomically
    from app.assessor.report import pdf_footer

    out = Path(args.out)
    if not out.parent.is_dir():
        raise Unusable(f"{out}: no such directory {out.parent}")
    if args.central:
        from app.cli import central_read_cmds

        text, info, generated = central_read_cmds.report_html(args)
    else:
        text, info, generated = _local_report(args, ctx)
    if args.format == "pdf":
        title = f"callsim report: {info.trainee} ({info.id[:12]})"
        _write_pdf(text, out, title=title, footer=pdf_footer(info, generated))
    else:
        try:
            write_atomically(out, text.encode("utf-8"), what="report")
        except OutputFileError as exc:
            raise Unusable(str(exc)) from None
    print(f"wrote {out}", file=sys.stderr)
    return EXIT_OK


def _local_report(args: argparse.Namespace, ctx: Context) -> tuple[str, SessionInfo, Generated]:
    from app.assessor.marks import Marking
    from app.assessor.report import Generated, report_html

    with _store(readonly=True) as store:
        assert store is not None
        unlocked = _unlock(args, store)
        sid = _session(store, args.session)
        info = store.session(sid)
        assert info is not None
        account = unlocked.startswith("signed in as ")
        generated = Generated(assessor=args.assessor, account=account)
        text = report_html(
            store, sid, marking=Marking(store), scenarios=ctx.catalog, generated=generated
        )
    return text, info, generated


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
    from app.assessor.files import OutputFileError
    from app.assessor.marks import Marking

    since = parse_day(args.since) if args.since else None
    until = parse_day(args.until, end=True) if args.until else None
    out = Path(args.csv)
    if not out.parent.is_dir():
        raise Unusable(f"{out}: no such directory {out.parent}")
    if args.central:
        from app.cli import central_read_cmds

        return central_read_cmds.cmd_export(args, since, until, out)
    with _store(must_exist=False, readonly=True) as store:
        if store is None:
            raise Unusable(f"{default_db_path()}: no sessions recorded yet")
        _unlock(args, store)
        try:
            n = export_csv(
                store,
                out,
                marking=Marking(store),
                trainee=args.trainee,
                scenario_id=args.scenario,
                since=since,
                until=until,
                scenarios=ctx.catalog,
            )
        except OutputFileError as exc:
            raise Unusable(str(exc)) from None
    print(f"{n} session{'s' * (n != 1)} written to {out}", file=sys.stderr)
    return EXIT_OK


def cmd_verify(args: argparse.Namespace, ctx: Context) -> int:
    from app.assessor.library import resolve_session
    from app.assessor.verify import (
        CANNOT,
        PROVES,
        WITH_HEADS,
        archived_session,
        archived_words,
        check_database,
        deleted_session,
        verify_session,
    )
    from app.services.catalog import ScenarioCatalog
    from app.storage.errors import DatabaseFileError

    if args.central:
        from app.cli import central_read_cmds

        return central_read_cmds.cmd_verify(args)
    scenarios = ScenarioCatalog(Path(args.scenarios)) if args.scenarios else ctx.catalog
    published = _published_heads(args)  # before anything is checked: a bad file is exit 2
    ok = True
    with _store(readonly=True) as store:
        assert store is not None
        db = check_database(store, expect_head=args.expect_head)
        if store.upgraded_in_memory is not None:
            print(
                f"note: {store.path} is from an older callsim (database schema "
                f"{store.upgraded_in_memory}); it was read as upgraded in memory, unchanged"
            )
        if args.session is None:
            ids = store.session_ids()
            unreadable: list[DatabaseFileError] = []
            for sid in ids:
                try:
                    found = verify_session(store, sid, scenarios=scenarios, database=db)
                except DatabaseFileError as exc:  # one damaged session: go on with the rest
                    unreadable.append(exc)
                    print(f"ALTERED: session {sid[:12]}: it cannot be read ({exc.reason})")
                    ok = False
                    continue
                ok = ok and found.ok
                print(found.headline())
            for check in db.checks():
                print(check.line())
            ok = ok and db.ok
            print(f"{len(ids)} session{'s' * (len(ids) != 1)} checked")
            if unreadable:
                print(PROVES)
                print(CANNOT)
                more = len(unreadable)
                raise Unusable(f"{unreadable[0]} ({more} session{'s' * (more != 1)} unreadable)")
        else:
            try:
                sid = resolve_session(store, args.session)
            except LookupError as exc:
                gone = deleted_session(db, args.session)
                kept = archived_session(db, args.session)
                if kept is not None:
                    print(archived_words(kept))
                elif gone is None:
                    raise Unusable(str(exc.args[0] if exc.args else exc)) from None
                else:
                    print(f"ALTERED: session {gone.session_id}: {db.ledger.detail}")
                    ok = False
            else:
                found = verify_session(store, sid, scenarios=scenarios, database=db)
                ok = found.ok
                print("\n".join(found.lines()))
        if published is not None:
            only = None if args.session is None else _session_or_none(store, args.session)
            ok = _print_heads_checks(store, published, only) and ok
    if db.head is not None:
        print(
            f"ledger head: {db.head[0]} entries, sha256 {db.head[1]} (note it: "
            "`callsim verify --expect-head` checks a later copy still holds it)"
        )
    print(PROVES)
    print(CANNOT if published is None else WITH_HEADS)
    return EXIT_OK if ok else EXIT_FAIL


def _published_heads(args: argparse.Namespace) -> tuple[Any, list[tuple[str, Any]]] | None:
    """(the public key, [(file, document)]) for `--heads`, or None without it."""
    if not args.heads:
        return None
    from app.assessor.heads import HeadsFileError, KeyFileError, load_public_key, read_heads_file
    from app.config import load_config

    named = Path(args.public_key) if args.public_key else load_config().path("integrity.public_key")
    if named is None:
        raise Unusable(
            "--heads needs the centre's public key: pass --public-key FILE, or set "
            "`public_key` under [integrity] in the machine configuration (`callsim config`)"
        )
    try:
        key = load_public_key(named)
        return key, [(name, read_heads_file(Path(name))) for name in args.heads]
    except (KeyFileError, HeadsFileError) as exc:
        raise Unusable(str(exc)) from None


def _session_or_none(store: SessionStore, ref: str) -> str | None:
    from app.assessor.library import resolve_session

    try:
        return resolve_session(store, ref)
    except LookupError:
        return ref.strip().lower()  # deleted or archived: its published heads name it


def _print_heads_checks(
    store: SessionStore, published: tuple[Any, list[tuple[str, Any]]], only: str | None
) -> bool:
    """Each heads file's checks, one line each (for one session: that session's only), then
    the first that failed; True when none did."""
    from app.assessor.heads import check_heads

    key, documents = published
    first: str | None = None
    for name, document in documents:
        for check in check_heads(store, document, key):
            if only is not None and check.session_id is not None:
                if not check.session_id.startswith(only):
                    continue  # another session's
            print(check.line(name))
            if not check.ok and first is None:
                first = f"ALTERED: against the signed heads of {name}: {check.what}: {check.detail}"
    if first is not None:
        print(first)
    return first is None


def cmd_passphrase(args: argparse.Namespace, ctx: Context) -> int:
    import getpass

    from app.assessor.auth import (
        AssessorAuth,
        PassphraseRecordAltered,
        WeakPassphrase,
        WrongPassphrase,
    )

    with _store(must_exist=False) as existing:
        store = existing
        if store is None:
            store = SessionStore(default_db_path())
        with store:
            auth = AssessorAuth(store)
            why = auth.altered()
            if why is not None:
                raise Unusable(f"{store.path}: {PassphraseRecordAltered(why)}")
            from app.assessor.auth import PassphraseRetired
            from app.cli.accounts_cmds import bootstrap_code_hash

            if auth.retired():
                raise Unusable(f"{store.path}: {PassphraseRetired()}; nothing changed")
            if not auth.is_set() and bootstrap_code_hash() is not None:
                raise Unusable(
                    "this machine's configuration sets up assessor accounts: create the first "
                    "lead with `callsim accounts create NAME --role lead --bootstrap-code-file "
                    "FILE` (the code from IT); nothing changed"
                )
            current: str | None = None
            if auth.is_set():
                scripted = args.passphrase_file or os.environ.get(PASSPHRASE_FILE_ENV)
                current = (
                    _read_secret(scripted) if scripted else getpass.getpass("Current passphrase: ")
                )
            if current is not None and not auth.verify(current):
                raise Unusable("the current passphrase is not correct; nothing changed")
            if args.new_passphrase_file:
                new = _read_secret(args.new_passphrase_file, "new passphrase file")
            else:
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
    from app.cli import central_read_cmds

    s = sub.add_parser("sessions", help="recorded sessions (see `callsim sessions list -h`)")
    inner = s.add_subparsers(dest="sessions_command", parser_class=type(s), required=True)
    ls = inner.add_parser("list", help="list recorded sessions, newest first")
    ls.add_argument("--json", action="store_true", help="print a JSON list")
    ls.add_argument("--trainee", metavar="NAME")
    ls.add_argument("--scenario", metavar="ID")
    ls.add_argument("--status", choices=STATUSES)
    ls.add_argument("--review", choices=("unreviewed", "in_review", "reviewed"))
    ls.add_argument("--search", metavar="WORDS", help="words said in the call")
    ls.add_argument("--mode", choices=MODES)
    ls.add_argument(
        "--criterion",
        metavar="ID=STATUS",
        type=_criterion_filter,
        help="sessions where a criterion's standing status (the assessor's where marked) is "
        f"STATUS: one of {', '.join(CRITERION_STATUSES)}",
    )
    _passphrase_option(ls)
    central_read_cmds.add_options(ls)
    ls.set_defaults(fn=cmd_sessions_list)
    from app.cli.signoff_cmds import register_sessions

    register_sessions(inner, _passphrase_option)  # comments, retract-comment, sign-off, reopen

    s = sub.add_parser("report", help="a session's report as HTML or PDF")
    s.add_argument("session", metavar="SESSION", help="session id (or 6+ leading characters)")
    s.add_argument("--format", choices=("html", "pdf"), default="html")
    s.add_argument("--out", required=True, metavar="FILE")
    s.add_argument(
        "--assessor", metavar="NAME", help="the assessor making the report (shown on it)"
    )
    _passphrase_option(s)
    central_read_cmds.add_options(s)
    s.set_defaults(fn=cmd_report)

    s = sub.add_parser("export", help="results of many sessions as CSV")
    s.add_argument("--csv", required=True, metavar="FILE")
    s.add_argument("--trainee", metavar="NAME")
    s.add_argument("--scenario", metavar="ID")
    s.add_argument("--since", metavar="DATE", help="sessions started on or after (YYYY-MM-DD)")
    s.add_argument("--until", metavar="DATE", help="sessions started on or before (YYYY-MM-DD)")
    _passphrase_option(s)
    central_read_cmds.add_options(s)
    s.set_defaults(fn=cmd_export)

    s = sub.add_parser(
        "verify",
        help="check a session (or, without one, every session) against its hash chains, the "
        "database ledger, and a rebuild and re-score of the call",
    )
    s.add_argument(
        "session", nargs="?", metavar="SESSION", help="session id (or 6+ leading characters)"
    )
    s.add_argument(
        "--scenarios",
        metavar="FOLDER",
        help="look for the scenario version played in this folder (default: the scenarios "
        "folder callsim uses)",
    )
    s.add_argument(
        "--expect-head",
        metavar="SHA256",
        help="a ledger head noted earlier (from a report, or an earlier verify): the ledger "
        "must still hold it",
    )
    s.add_argument(
        "--heads",
        action="append",
        metavar="FILE",
        help="a signed heads file published earlier (`callsim heads publish`, or a report's): "
        "its signature is checked, then every session it lists must still hold those heads "
        "(repeat for several files)",
    )
    s.add_argument(
        "--public-key",
        metavar="FILE",
        help="the centre's public key for --heads (default: [integrity] public_key)",
    )
    central_read_cmds.add_options(s)
    s.set_defaults(fn=cmd_verify)

    s = sub.add_parser("assessor", help="assessor settings")
    inner = s.add_subparsers(dest="assessor_command", parser_class=type(s), required=True)
    pp = inner.add_parser("passphrase", help="set or change the assessor passphrase")
    pp.add_argument(
        "--passphrase-file",
        metavar="FILE",
        help=f"the current passphrase, from FILE's first line (default ${PASSPHRASE_FILE_ENV}, "
        "else asked)",
    )
    pp.add_argument(
        "--new-passphrase-file",
        metavar="FILE",
        help="the new passphrase, from FILE's first line (for set-up scripts; else asked twice)",
    )
    pp.set_defaults(fn=cmd_passphrase)
