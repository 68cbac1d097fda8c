"""`callsim sessions list`, `export`, `report` and `verify` with `--central`: the same
commands, reading the training centre's PostgreSQL store (`app.central.store.CentralStore`)
instead of this PC's file (docs/central.md, docs/contract.md §5).

The server is `--url`, else the machine configuration's `[store] url`, as for `callsim
central sync`. Nothing is written to the central store (its connection is read-only). The
central store holds the assessors' actions as their audit entries: the review state, the
latest verdict and the sign-off are listed, and a report shows the audit trail. No assessor
passphrase is asked for (it belongs to a PC's file): who may read the centre's records is the
server's business (the role IT gave this login). A server that cannot be reached, refuses
the login or drops the connection is one located line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli.common import EXIT_FAIL, EXIT_OK, Unusable

if TYPE_CHECKING:
    from app.assessor.library import LibraryRow
    from app.central.store import CentralStore

# Options that need what only a PC's file holds (the ledger, marks, signed heads).
_LOCAL_ONLY = {
    "criterion": "--criterion (the assessors' marks are not filtered on centrally yet)",
    "expect_head": "--expect-head (the central store has no ledger)",
    "heads": "--heads (signed heads are checked against a PC's file)",
}


def refuse_local_only(args: argparse.Namespace) -> None:
    """Unusable for an option given with --central that the central store cannot serve."""
    for name, words in _LOCAL_ONLY.items():
        if getattr(args, name, None):
            raise Unusable(f"{words}: not available with --central")


@contextmanager
def central_store(args: argparse.Namespace) -> Iterator[CentralStore]:
    """The central store named by `--url` or `[store] url`, read-only."""
    from app.central.errors import CentralError
    from app.central.store import CentralStore
    from app.cli.central_cmds import _url

    refuse_local_only(args)
    try:
        store = CentralStore(_url(args))
    except CentralError as exc:
        raise Unusable(str(exc)) from None
    try:
        with store:
            yield store
    except CentralError as exc:  # the connection lost while reading, a refused read
        raise Unusable(str(exc)) from None


def list_rows(args: argparse.Namespace) -> list[LibraryRow]:
    """`callsim sessions list --central`: the library rows, newest first."""
    from app.assessor.library import query_sessions

    with central_store(args) as store:
        return query_sessions(
            store,
            trainee=args.trainee,
            scenario_id=args.scenario,
            status=args.status,
            review=args.review,
            mode=args.mode,
            text=args.search,
        )


def cmd_verify(args: argparse.Namespace) -> int:
    """`callsim verify --central [SESSION]`: every check on each central session."""
    from app.assessor.library import resolve_session
    from app.central.views import CENTRAL_PROVES, Rebuilder, all_checks, headline

    ok = True
    with central_store(args) as store:
        rebuilder = Rebuilder(store)
        if args.session is None:
            ids = store.session_ids()
            for sid in ids:
                checks = all_checks(store, sid, rebuilder)
                ok = ok and all(c.ok is not False for c in checks)
                print(headline(sid, checks))
            print(f"{len(ids)} session{'s' * (len(ids) != 1)} checked in the central store "
                  f"{store.where}")  # fmt: skip
        else:
            try:
                sid = resolve_session(store, args.session)
            except LookupError as exc:
                raise Unusable(f"{exc.args[0]} in the central store {store.where}") from None
            checks = all_checks(store, sid, rebuilder)
            ok = all(c.ok is not False for c in checks)
            print(headline(sid, checks))
            for check in checks:
                print("  " + check.line())
    print(CENTRAL_PROVES)
    return EXIT_OK if ok else EXIT_FAIL


def cmd_export(args: argparse.Namespace, since: Any, until: Any, out: Path) -> int:
    """`callsim export --central --csv FILE`: the same columns as a PC's export; the
    verdict, sign-off and mark columns come from the central audit entries, the reviewed
    score columns stay empty (not worked out centrally yet); `verified` is the central
    check (`app.central.views.results_csv`)."""
    from app.assessor.files import OutputFileError, write_atomically
    from app.central.views import results_csv

    with central_store(args) as store:
        text, n = results_csv(
            store, trainee=args.trainee, scenario_id=args.scenario, since=since, until=until
        )
    try:
        write_atomically(out, text.encode("utf-8"), what="CSV export")
    except OutputFileError as exc:
        raise Unusable(str(exc)) from None
    print(f"{n} session{'s' * (n != 1)} written to {out} from the central store", file=sys.stderr)
    return EXIT_OK


def add_options(parser: Any) -> None:
    """`--central` and `--url` on a reading command."""
    parser.add_argument(
        "--central",
        action="store_true",
        help="read the training centre's central store (PostgreSQL) instead of this PC's file",
    )
    parser.add_argument(
        "--url", help="with --central: the server (default: [store] url of the configuration)"
    )


def report_html(args: argparse.Namespace) -> tuple[str, Any, Any]:
    """`callsim report --central SESSION`: (the HTML, the session's info, who made it)."""
    from app.assessor.central_report import central_report_html
    from app.assessor.library import resolve_session
    from app.assessor.report import Generated
    from app.central.views import CENTRAL_PROVES, Rebuilder, all_checks

    with central_store(args) as store:
        try:
            sid = resolve_session(store, args.session)
        except LookupError as exc:
            raise Unusable(f"{exc.args[0]} in the central store {store.where}") from None
        found = all_checks(store, sid, Rebuilder(store))
        checks = [(c.name, c.ok, c.detail) for c in found]
        generated = Generated(assessor=args.assessor)
        text = central_report_html(
            store,
            sid,
            checks=checks,
            where=store.where,
            proves=CENTRAL_PROVES,
            audit=store.audit_rows(sid),
            generated=generated,
        )
        return text, store.session(sid), generated
