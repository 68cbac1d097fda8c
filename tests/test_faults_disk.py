"""A full disk mid-call (an injected "database or disk is full" from the store's write seam):
the call goes on, the trainee is told once in plain words naming the file, nothing shown is
lost (kept in memory and in a side journal beside the database), and it is all written when
space returns; if it never does, the whole call is left in the side file, and the message
says where."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from app.engine import events as ev
from app.services.call_session import CallSession
from app.storage import SessionStore
from tests.scenario_kit import FakeMatcher, kit_scenario


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Disk:
    """The store's write seam: raises SQLite's full-disk error while `full`."""

    def __init__(self) -> None:
        self.full = False
        self.refused = 0

    def __call__(self) -> None:
        if self.full:
            self.refused += 1
            raise sqlite3.OperationalError("database or disk is full")


def _call(tmp_path: Path) -> tuple[SessionStore, Disk, FakeClock, CallSession]:
    store = SessionStore(tmp_path / "callsim.db")
    disk = Disk()
    store.write_fault = disk
    clock = FakeClock()
    s = CallSession(kit_scenario(), FakeMatcher(), clock=clock, store=store, trainee="ana")
    s.start()
    clock.now = 2.0
    s.say("where are you")
    return store, disk, clock, s


def _typed_mid_call(disk: Disk, clock: FakeClock, s: CallSession) -> None:
    disk.full = True
    clock.now = 9.0
    s.set_log("notes", "14 Mill Lane, smoke upstairs")
    clock.now = 10.0
    s.raise_flag("risk")
    s.tick()
    assert s.flush()
    assert disk.refused > 0


def test_the_call_goes_on_and_everything_is_written_when_space_returns(tmp_path: Path) -> None:
    store, disk, clock, s = _call(tmp_path)
    _typed_mid_call(disk, clock, s)
    message = s.recording_error
    assert message is not None
    assert str(tmp_path / "callsim.db") in message and "disk is full" in message
    assert "Traceback" not in message and "OperationalError" not in message
    assert s.side_file is not None and s.side_file.parent == tmp_path
    kept = s.side_file.read_text(encoding="utf-8")
    assert "14 Mill Lane, smoke upstairs" in kept  # in the side journal, not only in memory
    disk.full = False  # space returns
    clock.now = 14.0
    s.say("bye")
    s.end_call()
    result = s.finish()
    assert s.session_id is not None
    stored = store.events(s.session_id)
    assert [e.canonical() for e in stored] == [e.canonical() for e in s.events]
    assert any(e.kind == ev.LOG_CHANGED for e in stored)
    info = store.session(s.session_id)
    assert info is not None and info.status == "finished"
    assert store.result(s.session_id) == result  # the debrief's score is stored
    assert not s.side_file.exists()  # all in the database now: the journal is gone
    assert store.verify(s.session_id).ok


def test_a_disk_full_to_the_end_leaves_the_whole_call_in_the_side_file(tmp_path: Path) -> None:
    store, disk, clock, s = _call(tmp_path)
    _typed_mid_call(disk, clock, s)
    clock.now = 12.0
    s.end_call()
    result = s.finish()
    side = s.side_file
    assert side is not None and side.exists()
    message = s.recording_error
    assert message is not None and str(side) in message
    lines = [json.loads(line) for line in side.read_text(encoding="utf-8").splitlines()]
    kinds = [line.get("kind") for line in lines if "seq" in line]
    assert ev.LOG_CHANGED in kinds and ev.CALL_ENDED in kinds
    assert lines[-1]["result"] == json.loads(json.dumps(result))
    # Every event the trainee saw is in the database or in the side file.
    assert s.session_id is not None
    seqs = {e.seq for e in store.events(s.session_id)} | {
        int(line["seq"]) for line in lines if "seq" in line
    }
    assert seqs == {e.seq for e in s.events}
