"""Plain values the store hands out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

MODES = ("practice", "assessment", "headless")
STATUSES = ("active", "finished", "interrupted")

# The columns behind `SessionInfo`, in field order (a fixed string: never built from input).
SESSION_COLUMNS = (
    "id, trainee, scenario_id, scenario_sha256, scenario_title, mode, status, "
    "started_at, ended_at, score, passed, event_count, owner_pid, callsim_version"
)


@dataclass(frozen=True)
class SessionInfo:
    """One call session as listed (the scored result itself is `SessionStore.result`)."""

    id: str
    trainee: str
    scenario_id: str
    scenario_sha256: str
    scenario_title: str
    mode: str  # one of MODES
    status: str  # one of STATUSES
    started_at: datetime  # UTC
    ended_at: datetime | None  # set when finished
    score: float | None  # copied from result["score"] when it is a number
    passed: bool | None  # copied from result["passed"] when it is a bool
    event_count: int
    owner_pid: int | None  # the process that was writing it
    callsim_version: str | None = None  # the callsim that recorded it (None: before schema 3)

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> SessionInfo:
        (sid, trainee, scen, sha, title, mode, status, started, ended, score, passed, n, pid) = row[
            :13
        ]
        return cls(
            sid,
            trainee,
            scen,
            sha,
            title,
            mode,
            status,
            datetime.fromisoformat(started),
            datetime.fromisoformat(ended) if ended is not None else None,
            score,
            bool(passed) if passed is not None else None,
            n,
            pid,
            row[13] if len(row) > 13 else None,
        )


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso_utc(moment: datetime) -> str:
    """A fixed-width ISO 8601 UTC timestamp, so text order is time order."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def result_fields(result: Mapping[str, Any] | None) -> tuple[float | None, int | None]:
    """The `score` and `passed` columns drawn from a scored result, when it carries them."""
    if result is None:
        return None, None
    score = result.get("score")
    passed = result.get("passed")
    return (
        float(score) if isinstance(score, int | float) and not isinstance(score, bool) else None,
        int(passed) if isinstance(passed, bool) else None,
    )


# The columns behind `SessionRecord` (a fixed string).
RECORD_COLUMNS = (
    "id, trainee, scenario_id, scenario_sha256, scenario_title, mode, started_at, "
    "callsim_version, status, ended_at, result_json, score, passed, event_count, last_hash, "
    "header_hash, seal_hash, audit_count, audit_hash"
)


@dataclass(frozen=True)
class SessionRecord:
    """One session row exactly as stored, heads included: what `callsim verify` checks (the
    values are whatever the file holds, so nothing here is trusted or parsed)."""

    id: str
    trainee: Any
    scenario_id: Any
    scenario_sha256: Any
    scenario_title: Any
    mode: Any
    started_at: Any
    callsim_version: Any
    status: Any
    ended_at: Any
    result_json: Any
    score: Any
    passed: Any
    event_count: Any
    last_hash: Any
    header_hash: Any
    seal_hash: Any
    audit_count: Any
    audit_hash: Any

    def header(self) -> dict[str, Any]:
        """The header fields (chain.HEADER_FIELDS) as stored."""
        return {
            "id": self.id,
            "trainee": self.trainee,
            "scenario_id": self.scenario_id,
            "scenario_sha256": self.scenario_sha256,
            "scenario_title": self.scenario_title,
            "mode": self.mode,
            "started_at": self.started_at,
            "callsim_version": self.callsim_version,
        }
