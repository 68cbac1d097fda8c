"""Opening a session for replay: the timeline, the hash chain, the scenario file's hash, and
the call rebuilt through the same engine."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from app.assessor.replay import open_replay, timeline
from app.engine.events import Event
from app.services.call_session import CallSession
from app.services.catalog import ScenarioCatalog, build_matcher
from app.storage import SessionStore, UnknownSessionError
from tests.assessor_kit import CASE, SCRIPT, case, flip_one_byte, raw_one, record, tamper
from tests.conftest import SCENARIOS


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "callsim.db")


SHIPPED = sorted(SCENARIOS.glob("*.yaml"))


def shipped() -> ScenarioCatalog:
    """The shipped scenarios, nothing loaded yet."""
    return ScenarioCatalog(SCENARIOS)


def folder_of(folder: Path, *files: Path) -> ScenarioCatalog:
    """A scenarios folder holding copies of `files`."""
    folder.mkdir(exist_ok=True)
    for f in files:
        shutil.copy(f, folder / f.name)
    return ScenarioCatalog(folder)


def test_a_recorded_session_replays_verified_and_rebuilt(
    store: SessionStore, tmp_path: Path
) -> None:
    sid = record(store, tmp_path)
    r = open_replay(store, sid, scenarios=shipped())
    assert r.verified.ok and r.verified.checked == len(r.events)
    assert r.scenario_matches is True
    assert r.scenario is not None and r.scenario.id == "misconduct-disclosure"
    assert r.scenario_path == CASE
    assert r.rebuilt_equal is True and r.rebuild_error is None
    result = store.result(sid)
    assert result is not None
    assert r.duration == pytest.approx(result["metrics"]["duration_s"], abs=0.05)
    kinds = {i.kind for i in r.items}
    assert {"caller", "trainee", "flag_raised", "log", "closing_attempt", "mark", "ended"} <= kinds
    # turn numbers are the result's: evidence that names a turn finds its item
    turns = [i for i in r.items if i.turn is not None]
    assert [(i.t, i.text) for i in turns] == [(t["t"], t["text"]) for t in result["turns"]]
    first = r.items[0]
    assert first.kind == "caller" and first.turn == 0
    said = next(i for i in r.items if i.kind == "trainee")
    assert SCRIPT in said.text and "ask_what_happened" in said.detail["intents"]
    disclosure = r.first_mark("disclosure")
    assert disclosure is not None and disclosure.kind == "mark"
    assert r.items[r.index_at(disclosure.t)].t == disclosure.t
    assert r.index_of_seq(disclosure.seq) == r.items.index(disclosure)
    assert r.index_at(-1.0) == -1
    assert r.index_of_turn(0) == 0


def test_an_edited_scenario_file_is_detected(store: SessionStore, tmp_path: Path) -> None:
    sid = record(store, tmp_path)
    catalog = folder_of(tmp_path / "scenarios", CASE)
    copy = catalog.folder / "misconduct-disclosure.yaml"
    assert open_replay(store, sid, scenarios=catalog).scenario_matches is True
    text = copy.read_text(encoding="utf-8")
    # one caller line the call said reworded (the address): the file is no longer the one
    # played, and the rebuilt call says something else
    line = next(ln for ln in text.splitlines() if "id: ans.location," in ln)
    copy.write_text(text.replace(line, line.replace("Mill Lane", "Mill Road"), 1), "utf-8")
    r = open_replay(store, sid, scenarios=catalog)
    assert r.scenario_matches is False
    assert r.scenario is not None and r.scenario_path == copy
    assert r.rebuilt_equal is False
    assert r.verified.ok  # the stored events themselves are untouched


def test_an_edited_scenario_that_no_longer_loads(store: SessionStore, tmp_path: Path) -> None:
    sid = record(store, tmp_path)
    catalog = folder_of(tmp_path / "scenarios")
    broken = catalog.folder / "misconduct-disclosure.yaml"
    broken.write_text("format: callsim/scenario@1\nid: [unclosed\n", encoding="utf-8")
    r = open_replay(store, sid, scenarios=catalog)
    assert (r.scenario, r.scenario_matches, r.rebuilt_equal) == (None, False, None)


def test_no_scenario_file_found(store: SessionStore, tmp_path: Path) -> None:
    sid = record(store, tmp_path)
    others = [p for p in SHIPPED if p != CASE]
    r = open_replay(store, sid, scenarios=folder_of(tmp_path / "scenarios", *others))
    assert (r.scenario, r.scenario_matches, r.rebuilt_equal) == (None, None, None)
    assert r.items and r.verified.ok  # the timeline needs no scenario


def test_a_renamed_file_with_the_played_content_is_found(
    store: SessionStore, tmp_path: Path
) -> None:
    sid = record(store, tmp_path)
    catalog = folder_of(tmp_path / "scenarios")
    shutil.copy(CASE, catalog.folder / "the-case.yaml")
    r = open_replay(store, sid, scenarios=catalog)
    assert r.scenario_matches is True and r.rebuilt_equal is True


def test_tampered_events_show_in_the_replay(store: SessionStore, tmp_path: Path) -> None:
    sid = record(store, tmp_path)
    path = tmp_path / "callsim.db"
    (data,) = raw_one(path, "SELECT data_json FROM events WHERE session_id = ? AND seq = 5", [sid])
    store.close()
    tamper(
        path,
        "UPDATE events SET data_json = ? WHERE session_id = ? AND seq = 5",
        [flip_one_byte(data), sid],
        "events_append_only",
    )
    with SessionStore(path) as again:
        r = open_replay(again, sid, scenarios=shipped())
    assert (r.verified.ok, r.verified.seq, r.verified.reason) == (False, 5, "hash")


def test_an_interrupted_session_rebuilds_as_far_as_it_went(
    store: SessionStore, tmp_path: Path
) -> None:
    sid = record(store, tmp_path, finish=False)
    with sqlite3.connect(tmp_path / "callsim.db") as conn:
        conn.execute("UPDATE sessions SET status = 'interrupted' WHERE id = ?", [sid])
    conn.close()
    r = open_replay(store, sid, scenarios=shipped())
    assert r.session.status == "interrupted"
    assert r.rebuilt_equal is True and r.verified.ok


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_call_taken_in_real_time_rebuilds_exactly(store: SessionStore) -> None:
    """As the desktop app records: typing, silence falling due on ticks, odd timings."""
    clock = Clock()
    scenario = case()
    s = CallSession(scenario, build_matcher(scenario), clock=clock, store=store, trainee="Bo")
    s.start()
    steps: list[tuple[float, Callable[[], object]]] = [
        (7.3, lambda: s.typing()),
        (9.91, lambda: s.say("police what's your emergency")),
        (60.0, lambda: s.tick()),  # long silence: the caller reacts
        (61.2, lambda: s.typing()),
        (64.0, lambda: s.say("what is the address")),
        (70.5, lambda: s.raise_flag("domestic_incident")),
        (75.0, lambda: s.set_log("location", "14 Mill Lane")),
        (80.0, lambda: s.say("ok bye")),
        (95.0, lambda: s.say("ok thanks bye")),
        (110.0, lambda: s.end_call()),
        (130.0, lambda: s.set_log("incident_notes", "write-up after the call")),
    ]
    for t, act in steps:
        clock.now = t
        act()
    s.finish()
    s.close()
    assert s.session_id is not None and s.recording_error is None
    r = open_replay(store, s.session_id, scenarios=shipped())
    assert r.rebuilt_equal is True
    assert "silence" in {i.kind for i in r.items}


def test_unknown_session(store: SessionStore) -> None:
    with pytest.raises(UnknownSessionError):
        open_replay(store, "f" * 32, scenarios=shipped())


def test_timeline_tolerates_malformed_data() -> None:
    events = [
        Event(0, 0.0, "caller_said", {}),
        Event(1, 2.0, "trainee_said", {"text": 5}),
        Event(2, 3.0, "flag_raised", {}),
        Event(3, 4.0, "unknown_kind", {"text": "x"}),
        Event(4, 5.0, "caller_said", {"text": "hi", "duration": "long"}),
    ]
    items, duration = timeline(events)
    assert [i.kind for i in items] == ["caller", "trainee", "flag_raised", "caller"]
    assert [i.turn for i in items] == [0, 1, None, 2]
    assert items[1].text == "5" and duration == 5.0


def test_the_scenario_is_loaded_once_per_file_content(store: SessionStore, tmp_path: Path) -> None:
    catalog = shipped()
    sid = record(store, tmp_path)
    a = open_replay(store, sid, scenarios=catalog)
    b = open_replay(store, sid, scenarios=catalog)
    assert a.scenario is b.scenario


def test_warming_loads_the_scenarios_once(
    store: SessionStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = folder_of(tmp_path / "scenarios", *SHIPPED)
    (catalog.folder / "broken.yaml").write_text("not: [a scenario\n", encoding="utf-8")
    (catalog.folder / "missing.yaml").symlink_to(tmp_path / "nowhere.yaml")  # gone when read
    assert catalog.warm() == len(SHIPPED)
    sid = record(store, tmp_path)

    def no_loading(*args: object, **kwargs: object) -> None:
        raise AssertionError("the scenario was loaded again")

    monkeypatch.setattr("app.scenario.loader.load_scenario", no_loading)
    assert open_replay(store, sid, scenarios=catalog).rebuilt_equal is True


def test_completing_a_glanced_replay_equals_opening_it_whole(
    store: SessionStore, tmp_path: Path
) -> None:
    from dataclasses import replace

    from app.assessor.replay import complete_replay

    sid = record(store, tmp_path)
    catalog = shipped()
    whole = open_replay(store, sid, scenarios=catalog)
    partial = replace(
        whole, scenario=None, scenario_matches=None, rebuilt_equal=None, scenario_path=None
    )
    done = complete_replay(partial, scenarios=catalog)
    assert done == whole
    assert done.events is partial.events  # nothing read again
