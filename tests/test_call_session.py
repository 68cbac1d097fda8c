"""The call service the desktop app drives: fake clock, live recording, scoring."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.engine import events as ev
from app.services.call_session import CallSession
from app.storage import SessionStore
from tests.scenario_kit import FakeMatcher, kit_scenario


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_every_event_is_recorded_as_it_happens_and_the_result_stored(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s.db")
    clock = FakeClock()
    s = CallSession(kit_scenario(), FakeMatcher(), clock=clock, store=store, trainee="ana")
    s.start()
    clock.now = 5.0
    s.say("where are you")
    s.flush()
    assert s.session_id is not None
    stored = store.events(s.session_id)
    shown = [e for e in s.events if e.t <= clock.now]  # a later reply is stored when due
    assert [e.canonical() for e in stored] == [e.canonical() for e in shown]
    clock.now = 9.0
    s.raise_flag("risk")
    clock.now = 12.0
    s.end_call()
    result = s.finish()
    assert result["ended_by"] == "trainee"
    info = store.session(s.session_id)
    assert info is not None and info.status == "finished" and info.trainee == "ana"
    assert store.result(s.session_id) == result
    assert s.recording_error is None


def test_silence_fires_from_tick_with_the_fake_clock() -> None:
    clock = FakeClock()
    s = CallSession(kit_scenario(), FakeMatcher(), clock=clock)
    s.start()
    wait = s.seconds_to_next_silence()
    assert wait is not None and wait > 10
    clock.now = wait - 0.5
    assert s.tick() == []
    clock.now = wait
    out = s.tick()
    assert [e.data["line_id"] for e in out if e.kind == ev.CALLER_SAID] == ["g.sil10"]


def test_a_failing_store_never_loses_what_is_on_screen(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s.db")
    clock = FakeClock()
    s = CallSession(kit_scenario(), FakeMatcher(), clock=clock, store=store)
    s.start()
    s.flush()
    store.close()  # the database goes away mid-call
    clock.now = 3.0
    s.say("hello")
    s.flush()
    assert s.recording_error is not None
    assert any(e.kind == ev.TRAINEE_SAID for e in s.events)  # still here, in memory
    clock.now = 4.0
    s.end_call()
    assert s.finish()["ended_by"] == "trainee"


def test_actions_after_the_end_do_nothing() -> None:
    clock = FakeClock()
    s = CallSession(kit_scenario(), FakeMatcher(), clock=clock)
    s.start()
    clock.now = 2.0
    s.end_call()
    n = len(s.events)
    assert s.say("hello") == [] and s.raise_flag("risk") == [] and len(s.events) == n


def test_typing_is_throttled_and_restarts_the_silence_clock() -> None:
    clock = FakeClock()
    s = CallSession(kit_scenario(), FakeMatcher(), clock=clock)
    s.start()
    first = s.seconds_to_next_silence()
    assert first is not None
    clock.now = first - 1
    assert [e.kind for e in s.typing()] == [ev.TRAINEE_TYPING]
    clock.now = first - 0.5
    assert s.typing() == []  # within the throttle interval: nothing new
    clock.now = first + 0.5
    assert s.tick() == []  # no silence: the trainee was typing a moment ago


def test_the_log_can_be_finished_after_the_caller_hangs_up_and_is_scored(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "s.db")
    clock = FakeClock()
    s = CallSession(kit_scenario(), FakeMatcher(), clock=clock, store=store)
    s.start()
    clock.now = 2.0
    s.end_call()
    clock.now = 30.0
    out = s.set_log("notes", "He hit her; caller at 12 Hollins Rd")
    assert [e.kind for e in out] == [ev.LOG_CHANGED]
    assert s.raise_flag("risk") == []  # flags are part of the call; it is over
    result = s.finish()
    assert result["log"] == {"notes": "He hit her; caller at 12 Hollins Rd"}
    s.close()
    assert s.session_id is not None
    assert store.events(s.session_id)[-1].kind == ev.LOG_CHANGED
    assert s.set_log("notes", "changed after scoring") == []  # the debrief is final


def test_close_stops_the_recording_thread(tmp_path: Path) -> None:
    import threading

    def recorders() -> int:
        return sum(t.name == "callsim-recorder" and t.is_alive() for t in threading.enumerate())

    store = SessionStore(tmp_path / "s.db")
    before = recorders()
    s = CallSession(kit_scenario(), FakeMatcher(), clock=FakeClock(), store=store)
    s.start()
    assert recorders() == before + 1
    s.close()
    assert recorders() == before


class _Breaks(FakeMatcher):
    """A matcher that fails on one line, as a bug or an odd scenario might."""

    def match(self, text: str) -> Any:
        if "boom" in text:
            raise OverflowError("int too large to convert to float")
        return super().match(text)


def test_an_engine_error_never_ends_the_call(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    store = SessionStore(tmp_path / "s.db")
    s = CallSession(kit_scenario(), _Breaks(), clock=clock, store=store)
    s.start()
    clock.now = 2.0
    with caplog.at_level("ERROR", logger="app.services.call_session"):
        s.say("boom")
    assert s.engine_errors == ["OverflowError: int too large to convert to float"]
    assert "Traceback" in caplog.text  # the log has the details
    clock.now = 5.0
    events = s.say("where are you")  # the call carries on
    assert any(e.kind == "trainee_said" for e in events)
    clock.now = 8.0
    s.end_call()
    s.finish()
    s.close()
    store.close()
