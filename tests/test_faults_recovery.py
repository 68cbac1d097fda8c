"""The side journal is read back (issue #12): a call whose writer died while the disk was full
left what the database refused in `<db>.unsaved-<sid>.jsonl`; the next store opened on the file
adds it to the record (and the debrief's score, if the call had ended), in order, skipping what
the database already has, says so in the log and in `verify`, and removes the file only after
the commit. A torn last line is ignored; a damaged line in the middle is reported and the file
kept. Recovery runs once."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from app.assessor.verify import verify_session
from app.cli import main
from app.engine import events as ev
from app.services.call_session import CallSession
from app.storage import SessionStore
from app.storage.owner import Owner, this_host
from tests.scenario_kit import BASE, FakeMatcher, kit_scenario
from tests.test_faults_held import FakeClock, KitFinder


class Disk:
    """The store's write seam: raises SQLite's full-disk error while `full`."""

    def __init__(self) -> None:
        self.full = False

    def __call__(self) -> None:
        if self.full:
            raise sqlite3.OperationalError("database or disk is full")


def _full_disk_call(path: Path, *, end: bool) -> CallSession:
    """A call whose writer (gone by the time a reader looks) meets a full disk mid-call."""
    writer = SessionStore(path, owner=Owner(os.getpid(), "killed", this_host()))
    disk = Disk()
    writer.write_fault = disk
    clock = FakeClock()
    s = CallSession(kit_scenario(), FakeMatcher(), clock=clock, store=writer, trainee="ana")
    s.start()
    clock.now = 2.0
    s.say("where are you")
    clock.now = 4.0
    s.tick()
    assert s.flush()
    disk.full = True
    clock.now = 9.0
    s.set_log("notes", "14 Mill Lane, smoke upstairs")
    clock.now = 10.0
    s.raise_flag("risk")
    clock.now = 14.0
    s.tick()
    if end:
        s.end_call()
        s.finish()
    assert s.flush()
    assert s.side_file is not None and s.side_file.exists()
    return s


def _side(path: Path) -> Path:
    (side,) = path.parent.glob(f"{path.name}.unsaved-*.jsonl")
    return side


def test_a_full_disk_to_the_end_then_a_kill_is_recovered_with_its_score(tmp_path: Path) -> None:
    path = tmp_path / "callsim.db"
    s = _full_disk_call(path, end=True)
    result = s.result()
    assert s.session_id is not None
    with SessionStore(path) as store:
        assert store.mark_interrupted() == []  # recovered as finished, not interrupted
        info = store.session(s.session_id)
        assert info is not None and info.status == "finished"
        stored = store.events(s.session_id)
        assert [e.canonical() for e in stored] == [e.canonical() for e in s.events]
        assert store.result(s.session_id) == result  # the score the trainee saw
        found = verify_session(store, s.session_id, scenarios=KitFinder(s.scenario))
        assert found.ok, found.lines()
        assert found.rescored is True
        detail = found.check("event log")
        assert detail is not None
        assert "recovered from a side journal" in detail.detail
        assert "the score shown at the debrief" in detail.detail
    assert not list(tmp_path.glob("*.jsonl"))


def test_a_full_disk_then_a_kill_mid_call_keeps_every_shown_event(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "callsim.db"
    s = _full_disk_call(path, end=False)
    assert s.session_id is not None
    shown = [e for e in s.events if e.t <= 14.0]
    caplog.set_level(logging.WARNING, logger="app.storage.store")
    with SessionStore(path) as store:
        assert store.mark_interrupted() == [s.session_id]
        stored = store.events(s.session_id)
        assert [e.canonical() for e in stored] == [e.canonical() for e in shown]
        assert any(e.kind == ev.LOG_CHANGED for e in stored)
        assert any(e.kind == ev.FLAG_RAISED for e in stored)
        found = verify_session(store, s.session_id, scenarios=KitFinder(s.scenario))
        assert found.ok, found.lines()
        assert store.mark_interrupted() == []  # once only
        assert len(store.events(s.session_id)) == len(stored)
    assert "recovered" in caplog.text and "side journal" in caplog.text
    assert not list(tmp_path.glob("*.jsonl"))


def test_a_torn_last_line_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "callsim.db"
    s = _full_disk_call(path, end=False)
    assert s.session_id is not None
    side = _side(path)
    with side.open("a", encoding="utf-8") as f:
        f.write('{"seq": 9999, "t": 15.0, "kind": "trainee_sa')  # the writer died mid-line
    with SessionStore(path) as store:
        assert store.mark_interrupted() == [s.session_id]
        stored = store.events(s.session_id)
        assert [e.canonical() for e in stored] == [e.canonical() for e in s.events if e.t <= 14.0]
        assert verify_session(store, s.session_id, scenarios=KitFinder(s.scenario)).ok
    assert not side.exists()


def test_a_damaged_middle_line_is_reported_and_the_file_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "callsim.db"
    s = _full_disk_call(path, end=False)
    assert s.session_id is not None
    side = _side(path)
    lines = side.read_text(encoding="utf-8").splitlines()
    assert len(lines) >= 3
    damaged = [*lines[:2], "{not json", *lines[2:]]
    side.write_text("\n".join(damaged) + "\n", encoding="utf-8")
    caplog.set_level(logging.WARNING, logger="app.storage.store")
    with SessionStore(path) as store:
        assert store.mark_interrupted() == [s.session_id]
        found = verify_session(store, s.session_id, scenarios=KitFinder(s.scenario))
        assert found.ok, found.lines()
        detail = found.check("event log")
        assert detail is not None and "1 damaged journal lines skipped" in detail.detail
    assert "line 3 is damaged" in caplog.text
    assert side.exists()  # kept for the trainer: something in it could not be read


def test_a_journal_left_after_its_recovery_is_removed_without_adding_twice(
    tmp_path: Path,
) -> None:
    path = tmp_path / "callsim.db"
    s = _full_disk_call(path, end=False)
    assert s.session_id is not None
    copy = tmp_path / "copy.jsonl"
    shutil.copy(_side(path), copy)
    with SessionStore(path) as store:
        assert store.mark_interrupted() == [s.session_id]
        count = len(store.events(s.session_id))
    shutil.copy(copy, path.with_name(f"{path.name}.unsaved-{s.session_id}.jsonl"))
    with SessionStore(path) as store:  # as if the removal had failed: nothing is added twice
        assert store.mark_interrupted() == []
        assert len(store.events(s.session_id)) == count
        assert store.verify(s.session_id).ok
    assert not list(tmp_path.glob("callsim.db.*.jsonl"))


def test_callsim_verify_says_the_events_were_recovered(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "callsim.db"
    s = _full_disk_call(path, end=False)
    assert s.session_id is not None
    with SessionStore(path) as store:
        assert store.mark_interrupted() == [s.session_id]
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    (scenarios / "kit.yaml").write_text(BASE, encoding="utf-8")
    monkeypatch.setenv("CALLSIM_DATA_DIR", str(tmp_path))
    capsys.readouterr()
    code = main(["verify", s.session_id, "--scenarios", str(scenarios)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "recovered from a side journal when the database was next opened" in out
    assert "rebuilt" in out


def test_a_disk_still_full_at_the_next_start_leaves_the_session_for_later(tmp_path: Path) -> None:
    path = tmp_path / "callsim.db"
    s = _full_disk_call(path, end=True)
    assert s.session_id is not None
    side = _side(path)
    with SessionStore(path) as store:
        still = Disk()
        still.full = True
        store.write_fault = still
        assert store.mark_interrupted() == []  # nothing sealed: the journal cannot go in yet
        info = store.session(s.session_id)
        assert info is not None and info.status == "active"
    assert side.exists()
    with SessionStore(path) as store:  # space is back
        assert store.mark_interrupted() == []
        info = store.session(s.session_id)
        assert info is not None and info.status == "finished"
        assert len(store.events(s.session_id)) == len(s.events)
    assert not side.exists()


def test_a_journal_that_cannot_be_added_is_kept_and_the_session_sealed_as_it_is(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "callsim.db"
    s = _full_disk_call(path, end=False)
    assert s.session_id is not None
    side = _side(path)
    first = json.loads(side.read_text(encoding="utf-8").splitlines()[0])
    with SessionStore(path) as store:
        before = len(store.events(s.session_id))
    assert first["seq"] == before
    bad = {**first, "data": {"text": "NaN is not JSON", "x": float("nan")}}
    lines = side.read_text(encoding="utf-8").splitlines()
    side.write_text("\n".join([json.dumps(bad), *lines[1:]]) + "\n", encoding="utf-8")
    caplog.set_level(logging.WARNING, logger="app.storage.store")
    with SessionStore(path) as store:
        assert store.mark_interrupted() == [s.session_id]
        assert len(store.events(s.session_id)) == before  # nothing half-added
        assert store.verify(s.session_id).ok
    assert "could not recover" in caplog.text
    assert side.exists()  # kept for the trainer
