"""Recorded sessions for the assessor tests: a real scenario, a transcript, the headless run
stored as `callsim play --record` stores it, on a fake wall clock."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.headless import run_steps
from app.scenario.loader import load_scenario
from app.scenario.model import Scenario
from app.scenario.transcript import load_transcript
from app.storage import SessionStore
from tests.conftest import SCENARIOS

CASE = SCENARIOS / "misconduct-disclosure.yaml"
SCRIPT = "<script>alert(1)</script>"
DROP = "'; DROP TABLE sessions;--"

# Captures the allegation and closes correctly; says markup and SQL on the way.
GOOD = f"""\
- say: "Police, what's your emergency? {SCRIPT}"
- say: "{DROP} what's the address?"
- say: is anyone hurt?
- say: are you safe yourself?
- say: are there any weapons? any children in the house?
- flag: domestic_incident
- say: ok thanks, bye
- say: ok thank you, goodbye then
- flag: misconduct_allegation
- say: was it definitely a police officer?
- say: that's very serious. do you know his name?
- log: {{location: "14 Mill Lane", allegation_notes: "officer sent pictures {SCRIPT}"}}
- say: thank you, it will be investigated
- end_call: true
"""

# Hangs up before the disclosure: fails on the critical criteria.
SHORT = """\
- say: what's happened?
- say: what's the address?
- end_call: true
"""


@functools.cache
def case() -> Scenario:
    return load_scenario(CASE)


def ticking_clock(start: datetime | None = None, step_minutes: int = 10) -> Callable[[], datetime]:
    """A wall clock that moves on `step_minutes` at every reading."""
    moments: Iterator[datetime] = (
        (start or datetime(2025, 3, 1, 9, 0, tzinfo=UTC)) + timedelta(minutes=step_minutes * n)
        for n in range(10**6)
    )
    return lambda: next(moments)


def record(
    store: SessionStore,
    tmp_path: Path,
    transcript: str = GOOD,
    *,
    trainee: str = "Ana",
    scenario: Scenario | None = None,
    finish: bool = True,
) -> str:
    """Run the transcript headless and store it; returns the session id."""
    s = scenario or case()
    path = tmp_path / f"transcript-{abs(hash(transcript))}.yaml"
    path.write_text(transcript, encoding="utf-8")
    run = run_steps(s, load_transcript(path))
    sid = store.start_session(
        trainee=trainee,
        scenario_id=s.id,
        scenario_sha256=s.sha256,
        scenario_title=s.title,
        mode="headless",
    )
    events = run.call.events if finish else run.call.events[: len(run.call.events) // 2]
    store.append_events(sid, events)
    if finish:
        store.finish_session(sid, run.result)
    return sid


def tamper(db_path: Path, sql: str, params: list[object], trigger: str) -> None:
    """Change stored rows behind the app's back, as someone with the file and the sqlite3
    tool could: drop the append-only trigger, update, and put the trigger back."""
    conn = sqlite3.connect(db_path)
    try:
        (definition,) = conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", [trigger]
        ).fetchone()
        with conn:
            conn.execute(f"DROP TRIGGER {trigger}")
            conn.execute(sql, params)
            conn.execute(definition)
    finally:
        conn.close()


def raw_one(db_path: Path, sql: str, params: list[object] | None = None) -> tuple[object, ...]:
    """The first row of a query run straight on the file, as the sqlite3 tool would."""
    conn = sqlite3.connect(db_path)
    try:
        row: tuple[object, ...] = conn.execute(sql, params or []).fetchone()
    finally:
        conn.close()
    return row


def flip_one_byte(text: str) -> str:
    """`text` with its first lowercase ASCII letter made uppercase (still valid JSON)."""
    i = next(n for n, c in enumerate(text) if "a" <= c <= "z")
    return text[:i] + text[i].upper() + text[i + 1 :]


def raw_result(db_path: Path, session_id: str) -> bytes:
    conn = sqlite3.connect(db_path)
    try:
        (value,) = conn.execute(
            "SELECT CAST(result_json AS BLOB) FROM sessions WHERE id = ?", [session_id]
        ).fetchone()
    finally:
        conn.close()
    return bytes(value)
