"""Results for a cohort or a date range as CSV, and one trainee's progress over attempts.

CSV cells that a spreadsheet would run as a formula (starting with = + - @, a tab or a
carriage return) get a leading apostrophe, so a trainee's name or a reason can never become
a formula in the assessor's spreadsheet.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.assessor.files import write_atomically
from app.assessor.library import LibraryRow, query_sessions
from app.assessor.marks import Marking
from app.assessor.replay import timeline
from app.assessor.verify import (
    DatabaseReport,
    ScenarioFinder,
    check_database,
    fmt_t,
    verify_session,
)
from app.storage import SessionStore
from app.text.clean import shown

__all__ = [
    "CSV_COLUMNS",
    "ProgressPoint",
    "export_csv",
    "export_rows",
    "fmt_t",
    "progress",
    "safe_cell",
]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

CSV_COLUMNS = (
    "session_id", "trainee", "scenario_id", "scenario_title", "mode", "status", "started_at",
    "ended_at", "duration_s", "events", "verified", "score", "passed", "critical_failures",
    "reviewed_score", "reviewed_passed", "reviewed_critical_failures", "overruled",
    "review_state", "verdict", "verdict_reason", "verdict_by", "verdict_at", "signed_off",
    "signed_off_by", "signed_off_at", "mark_reasons", "flags", "log", "transcript",
)  # fmt: skip
CRITERION = "criterion:"  # then one column per criterion of the exported sessions' rubrics


def safe_cell(value: Any) -> str:
    """The cell's text, with formula-like text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = shown(str(value))  # bidi controls written out, never applied
    return "'" + text if text.startswith(FORMULA_START) else text


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def export_rows(
    store: SessionStore,
    *,
    marking: Marking,
    trainee: str | None = None,
    scenario_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    scenarios: ScenarioFinder | None = None,
) -> list[dict[str, Any]]:
    """One dict per session (keys CSV_COLUMNS, and `criteria`: each criterion's status that
    stands, the assessor's where marked), oldest first. `since` is inclusive, `until`
    exclusive; naive datetimes are taken as UTC. `verified` is what `callsim verify` says
    (`yes`, or `ALTERED: ` and the first fact that differs); with `scenarios`, each call is
    rebuilt and re-scored too."""
    lo, hi = _utc(since), _utc(until)
    rows = query_sessions(
        store, trainee=trainee, scenario_id=scenario_id, sort="date", descending=False
    )
    out = []
    database = check_database(store)
    for row in rows:
        if (lo is not None and row.started_at < lo) or (hi is not None and row.started_at >= hi):
            continue
        out.append(_export_row(store, marking, row, database, scenarios))
    return out


def _export_row(
    store: SessionStore,
    marking: Marking,
    row: LibraryRow,
    database: DatabaseReport,
    scenarios: ScenarioFinder | None,
) -> dict[str, Any]:
    check = verify_session(store, row.id, scenarios=scenarios, database=database)
    problem = check.problem
    items, _ = timeline(store.events(row.id))
    said = [f"{fmt_t(i.t)} {i.kind}: {i.text}" for i in items if i.kind in ("caller", "trainee")]
    log: dict[str, str] = {}
    for i in items:
        if i.kind == "log":
            log[str(i.detail.get("field"))] = str(i.detail.get("value", ""))
    reviewed = marking.reviewed(row.id)
    verdict = marking.verdict(row.id)
    signed = marking.signed_off(row.id)
    marks = marking.current_marks(row.id)
    overruled = sorted(cid for cid, m in marks.items() if m.decision == "overrule")
    criteria = reviewed.get("criteria", {}) if reviewed else {}
    standing = {
        str(cid): str(c.get("reviewed_status") or c.get("status") or "")
        for cid, c in criteria.items()
        if isinstance(c, dict)
    }
    reasons = [f"{cid}: {m.reason}" for cid, m in sorted(marks.items()) if m.reason]
    return {
        "session_id": row.id,
        "trainee": row.trainee,
        "scenario_id": row.scenario_id,
        "scenario_title": row.scenario_title,
        "mode": row.mode,
        "status": row.status,
        "started_at": row.started_at.isoformat(),
        "ended_at": row.ended_at.isoformat() if row.ended_at else None,
        "duration_s": row.duration,
        "events": row.event_count,
        "verified": "yes" if problem is None else f"ALTERED: {problem.name}: {problem.detail}",
        "score": row.score,
        "passed": row.passed,
        "critical_failures": ";".join(reviewed.get("critical_failures", [])) if reviewed else None,
        "reviewed_score": reviewed["reviewed_score"] if reviewed else None,
        "reviewed_passed": reviewed["reviewed_passed"] if reviewed else None,
        "reviewed_critical_failures": (
            ";".join(reviewed["reviewed_critical_failures"]) if reviewed else None
        ),
        "overruled": ";".join(overruled),
        "review_state": row.review,
        "verdict": verdict.verdict if verdict else None,
        "verdict_reason": verdict.reason if verdict else None,
        "verdict_by": verdict.assessor if verdict else None,
        "verdict_at": verdict.at if verdict else None,
        "signed_off": signed is not None,  # locked now (reopened sessions: no)
        "signed_off_by": signed.assessor if signed else None,
        "signed_off_at": signed.at if signed else None,
        "mark_reasons": "\n".join(reasons),
        "flags": ";".join(_raised_at_end(reviewed.get("flags", []) if reviewed else [])),
        "log": "\n".join(f"{k}: {v}" for k, v in sorted(log.items())),
        "transcript": "\n".join(said),
        "criteria": standing,
    }


def _raised_at_end(changes: Any) -> list[str]:
    """The flags still raised when the call ended, in the order first raised."""
    up: dict[str, bool] = {}
    for change in changes if isinstance(changes, list) else []:
        if isinstance(change, dict) and isinstance(change.get("flag"), str):
            up.setdefault(change["flag"], False)
            up[change["flag"]] = bool(change.get("raised"))
    return [flag for flag, raised in up.items() if raised]


def export_csv(
    store: SessionStore,
    path: Path | str,
    *,
    marking: Marking,
    trainee: str | None = None,
    scenario_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    scenarios: ScenarioFinder | None = None,
) -> int:
    """Write the CSV (UTF-8, a header row, one row per session, oldest first), whole or not
    at all (`OutputFileError`); returns the number of sessions written. After CSV_COLUMNS
    comes a `criterion:ID` column for every criterion of the exported sessions' rubrics (in
    the order first met), empty where a session's rubric has no such criterion."""
    rows = export_rows(
        store,
        marking=marking,
        trainee=trainee,
        scenario_id=scenario_id,
        since=since,
        until=until,
        scenarios=scenarios,
    )
    criteria = list(dict.fromkeys(cid for row in rows for cid in row["criteria"]))
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow([*CSV_COLUMNS, *(CRITERION + cid for cid in criteria)])
    for row in rows:
        cells = [row[c] for c in CSV_COLUMNS] + [row["criteria"].get(c) for c in criteria]
        writer.writerow([safe_cell(c) for c in cells])
    write_atomically(Path(path), text.getvalue().encode("utf-8"), what="CSV export")
    return len(rows)


@dataclass(frozen=True)
class ProgressPoint:
    session_id: str
    started_at: datetime
    scenario_id: str
    score: float | None
    passed: bool | None
    reviewed_score: float | None  # None until an assessor has marked the session
    reviewed_passed: bool | None = None
    verdict: str | None = None


def progress(store: SessionStore, trainee: str) -> list[ProgressPoint]:
    """The trainee's scored attempts (finished sessions), oldest first."""
    marking = Marking(store)
    rows = query_sessions(store, trainee=trainee, status="finished", sort="date", descending=False)
    points = []
    for row in rows:
        if row.score is None:
            continue
        marks = marking.current_marks(row.id)
        reviewed = marking.reviewed(row.id) if marks else None
        verdict = marking.verdict(row.id)
        points.append(
            ProgressPoint(
                row.id,
                row.started_at,
                row.scenario_id,
                row.score,
                row.passed,
                reviewed["reviewed_score"] if reviewed else None,
                reviewed["reviewed_passed"] if reviewed else None,
                verdict.verdict if verdict else None,
            )
        )
    return points
