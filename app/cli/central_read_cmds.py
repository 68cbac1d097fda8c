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
import csv
import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli.common import EXIT_FAIL, EXIT_OK, Unusable

if TYPE_CHECKING:
    from app.assessor.library import LibraryRow
    from app.central.check import CentralCheck
    from app.central.store import CentralStore
    from app.storage.audit_repo import AuditRow
    from app.storage.chain import VerifyResult

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


def _verify_audit(session_id: str, rows: list[AuditRow]) -> VerifyResult:
    """The audit chain checked with the PC's code (`app.assessor.audit`)."""
    from app.assessor.audit import verify_entries

    return verify_entries(session_id, rows)[0]


class _Rebuilder:
    """The rebuild and re-score of `callsim verify`, with the scenario version played taken
    from the central store's scenario texts (by sha256): the PC's own code
    (`app.assessor.verify`), so a call rebuilds the same on both sides."""

    def __init__(self, store: CentralStore) -> None:
        self._store = store
        self._loaded: dict[str, Any] = {}

    def _scenario(self, scenario_id: str, sha256: str) -> Any:
        """The scenario, None when its text was not sent, or the reason it does not load."""
        if sha256 not in self._loaded:
            import tempfile

            from app.scenario.loader import load_scenario
            from app.scenario.problems import ScenarioError

            text = self._store.scenario_text(sha256)
            if text is None:
                self._loaded[sha256] = None
            else:
                with tempfile.TemporaryDirectory(prefix="callsim-central-") as folder:
                    path = Path(folder) / f"{scenario_id}.yaml"
                    path.write_bytes(text)
                    try:
                        self._loaded[sha256] = load_scenario(path, check=False)
                    except ScenarioError as exc:
                        first = exc.problems[0].message if exc.problems else "it has errors"
                        self._loaded[sha256] = f"the scenario text held does not load ({first})"
        return self._loaded[sha256]

    def checks(self, session_id: str) -> list[CentralCheck]:
        """The "rebuild" check, and the "result" check again with the re-score."""
        from app.assessor.verify import _rebuild, _result_check
        from app.central.check import CentralCheck
        from app.engine import events as ev

        rec = self._store.record(session_id)
        assert rec is not None
        found = self._scenario(str(rec.scenario_id), str(rec.scenario_sha256))
        if found is None or isinstance(found, str):
            why = found or "the scenario version played was not sent to the central store"
            return [CentralCheck("rebuild", None, f"{why}: not rebuilt or re-scored")]
        try:
            events = self._store.events(session_id)
        except ValueError:
            return [CentralCheck("rebuild", None, "the events cannot be read, so not rebuilt")]
        rebuilt, difference, error = _rebuild(found, events, rec.status == "finished")
        if error is not None or difference is not None:
            return [CentralCheck("rebuild", False, str(error or difference))]
        inputs = sum(1 for e in events if e.kind in ev.INPUT_KINDS)
        out = [
            CentralCheck(
                "rebuild",
                True,
                f"its {inputs} recorded inputs, replayed with the scenario text held, give the "
                f"same {len(events)} events",
            )
        ]
        if rec.status == "finished":
            again, _ = _result_check(rec, found, rebuilt)
            out.append(CentralCheck("re-score", again.ok, again.detail))
        return out


def _all_checks(store: CentralStore, session_id: str, rebuilder: _Rebuilder) -> list[CentralCheck]:
    from app.central.check import central_checks

    checks = central_checks(store, session_id, verify_audit=_verify_audit)
    return checks + rebuilder.checks(session_id)


def _headline(session_id: str, checks: list[CentralCheck]) -> str:
    short = session_id[:12]
    bad = next((c for c in checks if c.ok is False), None)
    if bad is not None:
        return f"ALTERED: session {short}: {bad.name}: {bad.detail}"
    done = sum(1 for c in checks if c.ok)
    missing = [c.name for c in checks if c.ok is None]
    skipped = f"; not checked: {', '.join(missing)}" if missing else ""
    return f"verified: session {short}: nothing differs ({done} checks){skipped}"


CENTRAL_PROVES = (
    "This proves: each session's header, events, result and seal in the central store are "
    "the ones its PC sealed and sent (the same hash chains as on the PC, checked with the "
    "same code), each was received once, and the assessors' audit entries sent from the "
    "PCs are chained as written, up to the head on the session. It cannot rule out a "
    "complete, consistent rewrite by someone with the server's superuser (the hashes have "
    "no secret key): check the PC's signed heads (`callsim verify --heads`) for that. Where "
    "the scenario version played was sent, that the events and the result follow from the "
    "trainee's recorded actions through this callsim's engine and rubric (rebuilt and "
    "re-scored with the PC's code)."
)


def cmd_verify(args: argparse.Namespace) -> int:
    """`callsim verify --central [SESSION]`: every check on each central session."""
    from app.assessor.library import resolve_session

    ok = True
    with central_store(args) as store:
        rebuilder = _Rebuilder(store)
        if args.session is None:
            ids = store.session_ids()
            for sid in ids:
                checks = _all_checks(store, sid, rebuilder)
                ok = ok and all(c.ok is not False for c in checks)
                print(_headline(sid, checks))
            print(f"{len(ids)} session{'s' * (len(ids) != 1)} checked in the central store "
                  f"{store.where}")  # fmt: skip
        else:
            try:
                sid = resolve_session(store, args.session)
            except LookupError as exc:
                raise Unusable(f"{exc.args[0]} in the central store {store.where}") from None
            checks = _all_checks(store, sid, rebuilder)
            ok = all(c.ok is not False for c in checks)
            print(_headline(sid, checks))
            for check in checks:
                print("  " + check.line())
    print(CENTRAL_PROVES)
    return EXIT_OK if ok else EXIT_FAIL


def cmd_export(args: argparse.Namespace, since: Any, until: Any, out: Path) -> int:
    """`callsim export --central --csv FILE`: the same columns as a PC's export; the
    verdict, sign-off and mark columns come from the central audit entries, the reviewed
    score columns stay empty (not worked out centrally yet); `verified` is the central
    check."""
    from app.assessor.export import CRITERION, CSV_COLUMNS, safe_cell
    from app.assessor.files import OutputFileError, write_atomically
    from app.assessor.library import query_sessions
    from app.assessor.replay import timeline
    from app.assessor.verify import fmt_t

    rows: list[dict[str, Any]] = []
    with central_store(args) as store:
        rebuilder = _Rebuilder(store)
        listed = query_sessions(
            store, trainee=args.trainee, scenario_id=args.scenario, descending=False
        )
        for row in listed:
            if (since is not None and row.started_at < since) or (
                until is not None and row.started_at >= until
            ):
                continue
            checks = _all_checks(store, row.id, rebuilder)
            bad = next((c for c in checks if c.ok is False), None)
            items, _ = timeline(store.events(row.id))
            result = store.result(row.id) or {}
            criteria = result.get("criteria") if isinstance(result.get("criteria"), dict) else {}
            failures = result.get("critical_failures")
            log = {
                str(i.detail.get("field")): str(i.detail.get("value", ""))
                for i in items
                if i.kind == "log"
            }
            said = [
                f"{fmt_t(i.t)} {i.kind}: {i.text}" for i in items if i.kind in ("caller", "trainee")
            ]
            cells: dict[str, Any] = dict.fromkeys(CSV_COLUMNS)
            cells.update(
                session_id=row.id,
                trainee=row.trainee,
                scenario_id=row.scenario_id,
                scenario_title=row.scenario_title,
                mode=row.mode,
                status=row.status,
                started_at=row.started_at.isoformat(),
                ended_at=row.ended_at.isoformat() if row.ended_at else None,
                duration_s=row.duration,
                events=row.event_count,
                verified="yes" if bad is None else f"ALTERED: {bad.name}: {bad.detail}",
                score=row.score,
                passed=row.passed,
                critical_failures=";".join(map(str, failures))
                if isinstance(failures, list)
                else None,
                review_state=row.review,
                signed_off=False,
                log="\n".join(f"{k}: {v}" for k, v in sorted(log.items())),
                transcript="\n".join(said),
            )
            cells.update(_assessor_cells(row.id, store.audit_rows(row.id)))
            cells["criteria"] = {
                str(cid): str(c.get("status") or "")
                for cid, c in (criteria or {}).items()
                if isinstance(c, dict)
            }
            rows.append(cells)
    names = list(dict.fromkeys(cid for r in rows for cid in r["criteria"]))
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow([*CSV_COLUMNS, *(CRITERION + cid for cid in names)])
    for r in rows:
        values = [r[c] for c in CSV_COLUMNS] + [r["criteria"].get(c) for c in names]
        writer.writerow([safe_cell(v) for v in values])
    try:
        write_atomically(out, text.getvalue().encode("utf-8"), what="CSV export")
    except OutputFileError as exc:
        raise Unusable(str(exc)) from None
    n = len(rows)
    print(f"{n} session{'s' * (n != 1)} written to {out} from the central store", file=sys.stderr)
    return EXIT_OK


def _assessor_cells(session_id: str, rows: list[AuditRow]) -> dict[str, Any]:
    """The export's verdict, sign-off and mark columns, from the session's audit entries as
    the central store holds them (the reviewed score is not worked out centrally yet)."""
    from app.assessor.audit import verify_entries

    entries = verify_entries(session_id, rows)[1]
    cells: dict[str, Any] = {}
    verdicts = [e for e in entries if e.action == "verdict"]
    if verdicts:
        v = verdicts[-1]
        cells.update(
            verdict=v.detail.get("verdict"),
            verdict_reason=v.detail.get("reason"),
            verdict_by=v.assessor,
            verdict_at=v.at,
        )
    locks = [e for e in entries if e.action in ("sign_off", "reopen")]
    if locks and locks[-1].action == "sign_off":
        cells.update(signed_off=True, signed_off_by=locks[-1].assessor, signed_off_at=locks[-1].at)
    marks = {str(e.detail.get("criterion_id")): e.detail for e in entries if e.action == "mark"}
    cells["overruled"] = ";".join(
        sorted(cid for cid, d in marks.items() if d.get("decision") == "overrule")
    )
    cells["mark_reasons"] = "\n".join(
        f"{cid}: {d['reason']}" for cid, d in sorted(marks.items()) if d.get("reason")
    )
    return cells


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

    with central_store(args) as store:
        try:
            sid = resolve_session(store, args.session)
        except LookupError as exc:
            raise Unusable(f"{exc.args[0]} in the central store {store.where}") from None
        found = _all_checks(store, sid, _Rebuilder(store))
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
