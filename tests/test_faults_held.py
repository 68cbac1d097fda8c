"""Nothing the trainee did is held in memory only (issue #12).

A caller line the engine schedules for later is stored only when its time comes (records hold
only what was shown), and so is everything after it, to keep the log in engine order. So a
trainee line said, a flag raised or a log entry written while a reply is still queued is
journaled at once beside the database (`<db>.held-<sid>.jsonl`); when the call's writer has
died, the next store opened on the file adds what the trainee did (and every line shown) to the
record before marking it interrupted, and leaves out the queued lines nobody saw.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from app.assessor.verify import verify_session
from app.engine import events as ev
from app.scenario.model import Scenario
from app.services.call_session import CallSession
from app.storage import SessionStore
from app.storage.owner import Owner, this_host
from tests.helpers.sigkill import kill_when_it_says
from tests.scenario_kit import FakeMatcher, kit_scenario

ROOT = Path(__file__).resolve().parents[1]
CHILD = ROOT / "tests" / "helpers" / "held_child.py"
WATCHDOG_SECONDS = 120  # only if the child hangs: the test then fails, never hangs


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class KitFinder:
    """The played scenario, for `verify`'s rebuild."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario

    def find(self, scenario_id: str, sha256: str) -> tuple[Path | None, Scenario | None, bool]:
        return None, self.scenario, sha256 == self.scenario.sha256


def _dead_writer(path: Path) -> SessionStore:
    """A writer that, by the time the reader looks, is gone (its token no longer matches)."""
    return SessionStore(path, owner=Owner(os.getpid(), "killed", this_host()))


def _held_call(store: SessionStore) -> tuple[FakeClock, CallSession]:
    clock = FakeClock()
    s = CallSession(kit_scenario(), FakeMatcher(), clock=clock, store=store, trainee="ana")
    s.start()
    clock.now = 5.0
    s.say("where are you")  # the caller's "Are you still there?" is queued for 6.6 s
    clock.now = 5.2
    s.say("calm down")  # said while it is queued: engine order puts it after that line
    clock.now = 5.5
    s.set_log("notes", "12 Hollins Road")
    assert s.flush()
    return clock, s


def _check_recovered(path: Path, sid: str, scenario: Scenario) -> None:
    with SessionStore(path) as store:
        assert store.mark_interrupted() == [sid]
        info = store.session(sid)
        assert info is not None and info.status == "interrupted"
        stored = store.events(sid)
        said = [str(e.data["text"]) for e in stored if e.kind == ev.TRAINEE_SAID]
        assert said == ["where are you", "calm down"]
        logged = [e.data["value"] for e in stored if e.kind == ev.LOG_CHANGED]
        assert logged == ["12 Hollins Road"]
        # Only what was shown: the queued lines (6.6 s and later) were never seen.
        assert max(e.t for e in stored) == 5.5
        lines = [e.data["line_id"] for e in stored if e.kind == ev.CALLER_SAID]
        assert lines == ["one.hi", "one.where"]
        assert [e.seq for e in stored] == list(range(len(stored)))
        assert store.verify(sid).ok
        found = verify_session(store, sid, scenarios=KitFinder(scenario))
        assert found.ok, found.lines()
        assert found.rebuilt is True
        log_check = found.check("event log")
        assert log_check is not None and "recovered from a side journal" in log_check.detail
    assert not list(path.parent.glob("*.jsonl"))  # removed once the database had it


def test_a_line_said_while_a_reply_is_queued_survives_the_writer_dying(tmp_path: Path) -> None:
    path = tmp_path / "callsim.db"
    writer = _dead_writer(path)
    _, s = _held_call(writer)
    assert s.session_id is not None
    held = list(tmp_path.glob("callsim.db.held-*.jsonl"))
    assert len(held) == 1 and "calm down" in held[0].read_text(encoding="utf-8")
    _check_recovered(path, s.session_id, s.scenario)


def test_recovery_runs_once_and_never_for_a_live_session(tmp_path: Path) -> None:
    path = tmp_path / "callsim.db"
    # The writer runs on another machine with a fresh heartbeat: it is live, leave it alone.
    other = SessionStore(path, owner=Owner(1, "t", "other-host"))
    _, s = _held_call(other)
    assert s.session_id is not None
    with SessionStore(path) as reader:
        assert reader.mark_interrupted() == []
        assert not any(e.data.get("text") == "calm down" for e in reader.events(s.session_id))
    assert list(tmp_path.glob("*.jsonl"))  # its journal is left for its writer
    clock = FakeClock()
    clock.now = 6.7
    s.clock = clock
    s.tick()  # the live writer goes on: the queued line is shown and stored in engine order
    assert s.flush()
    with SessionStore(path) as reader:
        stored = reader.events(s.session_id)
        assert [e.canonical() for e in stored] == [e.canonical() for e in s.events[: len(stored)]]
        assert any(e.data.get("text") == "calm down" for e in stored)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_while_a_reply_is_queued_keeps_the_trainee_line(tmp_path: Path) -> None:
    path = tmp_path / "callsim.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    held = kill_when_it_says(
        [sys.executable, str(CHILD), str(path)],
        "HELD ",
        cwd=ROOT,
        env=env,
        watchdog_seconds=WATCHDOG_SECONDS,
        silent="the child ended without reporting",
    )
    sid = held.split()[1]
    _check_recovered(path, sid, kit_scenario())


def test_a_call_that_ends_normally_leaves_no_journal(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "callsim.db")
    clock, s = _held_call(store)
    assert list(tmp_path.glob("*.held-*.jsonl"))  # while the reply is queued
    clock.now = 30.0
    s.tick()  # every queued line has been shown: nothing is held any more
    assert s.flush()
    assert not list(tmp_path.glob("*.jsonl"))
    s.end_call()
    s.finish()
    s.close()
    assert s.session_id is not None
    stored = store.events(s.session_id)
    assert [e.canonical() for e in stored] == [e.canonical() for e in s.events]
    assert not list(tmp_path.glob("*.jsonl"))
