"""Records hold only what was shown: a caller line is stored when its time comes (when the
trainee sees it), never when the engine schedules it, so a call killed mid-way keeps no line
the trainee never saw and its duration is the time of its last shown event."""

from __future__ import annotations

import os
from pathlib import Path

from app.engine import events as ev
from app.services.call_session import CallSession
from app.storage import SessionStore
from app.storage.library_repo import LibraryRepo
from app.storage.owner import Owner, this_host
from tests.scenario_kit import FakeMatcher, kit_scenario


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_killed_call_stores_only_the_lines_shown_and_its_real_duration(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.db"
    # The writer: a process that, by the time the reader looks, has gone (killed).
    writer = SessionStore(path, owner=Owner(os.getpid(), "killed", this_host()))
    clock = FakeClock()
    s = CallSession(kit_scenario(), FakeMatcher(), clock=clock, store=writer)
    s.start()
    clock.now = 5.0
    out = s.say("where are you")
    later = [e for e in out if e.kind == ev.CALLER_SAID and e.t > 5.0]
    assert later  # the caller's next line is scheduled for later
    s.flush()
    assert s.session_id is not None
    stored = writer.events(s.session_id)
    assert all(e.t <= 5.0 for e in stored)
    assert [e.canonical() for e in stored] == [e.canonical() for e in s.events[: len(stored)]]
    assert any(e.kind == ev.TRAINEE_SAID for e in stored)  # the trainee's line is kept
    # Time reaches the first reply: it is shown, so it is stored.
    first = later[0]
    clock.now = first.t
    s.tick()
    s.flush()
    stored = writer.events(s.session_id)
    assert stored[-1].canonical() == first.canonical()
    assert all(e.t <= first.t for e in stored)
    # Killed here: a later process marks it interrupted; the record is what was shown.
    reader = SessionStore(path)
    assert reader.mark_interrupted() == [s.session_id]
    (row,) = LibraryRepo(reader).query(status="interrupted")
    assert row.duration == first.t
    assert reader.verify(s.session_id).ok


def test_a_finished_call_stores_every_event_the_engine_made(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s.db")
    clock = FakeClock()
    s = CallSession(kit_scenario(), FakeMatcher(), clock=clock, store=store)
    s.start()
    clock.now = 5.0
    s.say("where are you")
    s.end_call()  # before the reply was due: the engine's record of the call is complete
    s.finish()
    assert s.session_id is not None
    stored = store.events(s.session_id)
    assert [e.canonical() for e in stored] == [e.canonical() for e in s.events]
    info = store.session(s.session_id)
    assert info is not None and info.status == "finished"
