"""What the assessor side shows of a centrally held session, shared by the command line
(`callsim verify|export --central`, app/cli/central_read_cmds.py) and the desktop assessor
area (app/ui/assessor/central_source.py): the checks, the rebuild and re-score with the PC's
own code, the one-line headline, what the checks prove, and the CSV of central results.

This layer sits above `app.assessor` (pyproject's layers), so the PC's verification code is
used as it is: a call rebuilds and re-scores the same on both sides.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.assessor.audit import verify_entries
from app.central.check import CentralCheck, central_checks

if TYPE_CHECKING:
    from app.central.store import CentralStore
    from app.engine.events import Event
    from app.scenario.model import Scenario
    from app.storage.audit_repo import AuditRow
    from app.storage.chain import VerifyResult

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


def verify_audit(session_id: str, rows: list[AuditRow]) -> VerifyResult:
    """The audit chain checked with the PC's code (`app.assessor.audit`)."""
    return verify_entries(session_id, rows)[0]


def load_text(scenario_id: str, text: bytes) -> Scenario | str:
    """The scenario from its stored text, or why it does not load."""
    from app.scenario.loader import load_scenario
    from app.scenario.problems import ScenarioError

    with tempfile.TemporaryDirectory(prefix="callsim-central-") as folder:
        path = Path(folder) / f"{scenario_id}.yaml"
        path.write_bytes(text)
        try:
            return load_scenario(path, check=False)
        except ScenarioError as exc:
            first = exc.problems[0].message if exc.problems else "it has errors"
            return f"the scenario text held does not load ({first})"


@dataclass(frozen=True)
class Rebuilt:
    """The rebuild of one central session: its checks ("rebuild", then "re-score" for a
    finished call), the scenario it was rebuilt with, and whether it gave the same events."""

    checks: list[CentralCheck]
    scenario: Scenario | None
    equal: bool | None
    error: str | None  # why it could not be rebuilt (no scenario text, or it failed)


class Rebuilder:
    """The rebuild and re-score of `callsim verify`, with the scenario version played taken
    from the central store's scenario texts (by sha256), each loaded once."""

    def __init__(self, store: CentralStore) -> None:
        self._store = store
        self._loaded: dict[str, Scenario | str | None] = {}

    def _scenario(self, scenario_id: str, sha256: str) -> Scenario | str | None:
        if sha256 not in self._loaded:
            text = self._store.scenario_text(sha256)
            self._loaded[sha256] = None if text is None else load_text(scenario_id, text)
        return self._loaded[sha256]

    def rebuild(self, session_id: str, events: list[Event] | None = None) -> Rebuilt:
        from app.assessor.verify import _rebuild, _result_check
        from app.engine import events as ev

        rec = self._store.record(session_id)
        if rec is None:
            raise LookupError(session_id)
        found = self._scenario(str(rec.scenario_id), str(rec.scenario_sha256))
        if found is None or isinstance(found, str):
            why = found or "the scenario version played was not sent to the central store"
            return Rebuilt(
                [CentralCheck("rebuild", None, f"{why}: not rebuilt or re-scored")], None, None, why
            )
        if events is None:
            try:
                events = self._store.events(session_id)
            except ValueError:
                why = "the events cannot be read, so not rebuilt"
                return Rebuilt([CentralCheck("rebuild", None, why)], found, None, why)
        rebuilt, difference, error = _rebuild(found, events, rec.status == "finished")
        if error is not None or difference is not None:
            check = CentralCheck("rebuild", False, str(error or difference))
            return Rebuilt([check], found, False, error)
        inputs = sum(1 for e in events if e.kind in ev.INPUT_KINDS)
        checks = [
            CentralCheck(
                "rebuild",
                True,
                f"its {inputs} recorded inputs, replayed with the scenario text held, give the "
                f"same {len(events)} events",
            )
        ]
        if rec.status == "finished":
            again, _ = _result_check(rec, found, rebuilt)
            checks.append(CentralCheck("re-score", again.ok, again.detail))
        return Rebuilt(checks, found, True, None)


def all_checks(store: CentralStore, session_id: str, rebuilder: Rebuilder) -> list[CentralCheck]:
    """Every check of one central session, in order: the stored facts, then the rebuild."""
    checks = central_checks(store, session_id, verify_audit=verify_audit)
    return checks + rebuilder.rebuild(session_id).checks


def first_difference(checks: Iterable[CentralCheck]) -> CentralCheck | None:
    return next((c for c in checks if c.ok is False), None)


def headline(session_id: str, checks: list[CentralCheck]) -> str:
    short = session_id[:12]
    bad = first_difference(checks)
    if bad is not None:
        return f"ALTERED: session {short}: {bad.name}: {bad.detail}"
    done = sum(1 for c in checks if c.ok)
    missing = [c.name for c in checks if c.ok is None]
    skipped = f"; not checked: {', '.join(missing)}" if missing else ""
    return f"verified: session {short}: nothing differs ({done} checks){skipped}"


def assessor_cells(session_id: str, rows: list[AuditRow]) -> dict[str, Any]:
    """The export's verdict, sign-off and mark columns, from the session's audit entries as
    the central store holds them (the reviewed score is not worked out centrally yet)."""
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


def results_csv(
    store: CentralStore,
    *,
    trainee: str | None = None,
    scenario_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[str, int]:
    """The CSV text of the central sessions matching the filters, oldest first, and how many:
    the same columns as a PC's export (the reviewed score columns empty: not worked out
    centrally yet; `verified`: the central checks)."""
    from app.assessor.export import CRITERION, CSV_COLUMNS, safe_cell
    from app.assessor.library import query_sessions
    from app.assessor.replay import timeline
    from app.assessor.verify import fmt_t

    rebuilder = Rebuilder(store)
    rows: list[dict[str, Any]] = []
    for row in query_sessions(store, trainee=trainee, scenario_id=scenario_id, descending=False):
        if (since is not None and row.started_at < since) or (
            until is not None and row.started_at >= until
        ):
            continue
        bad = first_difference(all_checks(store, row.id, rebuilder))
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
            critical_failures=";".join(map(str, failures)) if isinstance(failures, list) else None,
            review_state=row.review,
            signed_off=False,
            log="\n".join(f"{k}: {v}" for k, v in sorted(log.items())),
            transcript="\n".join(said),
        )
        cells.update(assessor_cells(row.id, store.audit_rows(row.id)))
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
    return text.getvalue(), len(rows)
