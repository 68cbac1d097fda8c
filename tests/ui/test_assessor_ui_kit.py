"""Helpers for the assessor screen tests (no tests here): recorded sessions made headless
(as `callsim play --record` does), a Save dialog stand-in, and ways into the area.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QWidget

from app.engine import events as ev
from app.headless import run_steps
from app.scenario.loader import load_scenario
from app.scenario.model import Scenario, Step
from app.services.catalog import ScenarioCatalog
from app.storage import SessionStore
from app.ui.assessor.area import AssessorArea
from app.ui.main_window import MainWindow
from tests.conftest import SCENARIOS

PASSPHRASE = "correct horse battery"
DEAD_PID = 4_194_000  # above Linux's pid_max: no such process


@dataclass
class Recorded:
    session_id: str
    result: dict[str, Any]
    events: list[ev.Event]


class SaveTo:
    """A stand-in for the Save dialog: answers with the next path, records the questions."""

    def __init__(self, *paths: Path) -> None:
        self.paths = list(paths)
        self.asked: list[tuple[str, str]] = []

    def __call__(self, _parent: QWidget, _caption: str, suggested: str, filt: str) -> Path | None:
        self.asked.append((suggested, filt))
        return self.paths.pop(0) if self.paths else None


def say(text: str) -> Step:
    return Step("say", text=text)


def clock_at(start: datetime) -> Callable[[], datetime]:
    return lambda: start


def record(
    store_path: Path,
    scenario: Scenario,
    steps: tuple[Step, ...],
    *,
    trainee: str,
    mode: str = "headless",
    started: datetime | None = None,
    interrupted_after: int | None = None,
) -> Recorded:
    """Run `steps` headless and store the call; `interrupted_after` keeps only that many
    events and leaves the session as a crashed app would (then marked interrupted)."""
    run = run_steps(scenario, steps)
    when = started or datetime.now(UTC)
    with SessionStore(store_path, clock=clock_at(when)) as store:
        sid = store.start_session(
            trainee=trainee,
            scenario_id=scenario.id,
            scenario_sha256=scenario.sha256,
            scenario_title=scenario.title,
            mode=mode,
        )
        events = list(run.call.events)
        if interrupted_after is not None:
            events = events[:interrupted_after]
        store.append_events(sid, events)
        if interrupted_after is None:
            store.finish_session(sid, run.result)
    if interrupted_after is not None:
        with sqlite3.connect(store_path) as db:  # its writer "died"
            db.execute("UPDATE sessions SET owner_pid = ? WHERE id = ?", [DEAD_PID, sid])
        with SessionStore(store_path) as store:
            assert sid in store.mark_interrupted()
    return Recorded(sid, run.result, events)


def built_in() -> Scenario:
    return load_scenario(SCENARIOS / "misconduct-disclosure.yaml")


def model_answer(scenario: Scenario) -> tuple[Step, ...]:
    return scenario.playtests[0].steps


def tamper(store_path: Path, session_id: str, seq: int) -> None:
    """Change one stored event behind the app's back (the append-only trigger dropped)."""
    with sqlite3.connect(store_path) as db:
        db.execute("DROP TRIGGER events_append_only")
        db.execute(
            "UPDATE events SET data_json = replace(data_json, 'e', 'E') "
            "WHERE session_id = ? AND seq = ?",
            [session_id, seq],
        )


def make_area(
    qtbot: Any,
    store: SessionStore,
    scenarios_dir: Path,
    *,
    save: SaveTo | None = None,
    clock: Callable[[], float] = lambda: 0.0,
    voice: Any = None,
) -> AssessorArea:
    """The assessor area on its own (unlocked), with its library loaded."""
    pool = QThreadPool()
    area = AssessorArea(
        store,
        pool,
        assessor="Alex Assessor",
        catalog=ScenarioCatalog(scenarios_dir),
        clock=clock,
        ask_save_path=save,
        voice=voice,
    )
    area._test_pool = pool  # type: ignore[attr-defined]  # lives as long as the area
    qtbot.addWidget(area)
    with qtbot.waitSignal(area.library.sig_library_loaded, timeout=10000):
        area.resize(1280, 760)
        area.show()
    return area


def open_replay_of(qtbot: Any, area: AssessorArea, session_id: str) -> None:
    assert area.library.select_session(session_id)
    with qtbot.waitSignal(area.replay.sig_replay_shown, timeout=15000):
        area.library.open_selected()


def unlock(qtbot: Any, window: MainWindow, passphrase: str = PASSPHRASE) -> Any:
    """Ctrl+Shift+A's action, then the passphrase dialog (returned, not yet submitted)."""
    with qtbot.waitSignal(window.assessor.sig_dialog_shown, timeout=5000) as shown:
        window.assessor.action.trigger()
    dialog = shown.args[0]
    dialog.name.setText("Alex Assessor")
    dialog.passphrase.setText(passphrase)
    if dialog.first_use:
        dialog.confirm.setText(passphrase)
    return dialog


def days_ago(n: int) -> datetime:
    return datetime.now(UTC) - timedelta(days=n)
