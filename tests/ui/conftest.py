"""Fixtures for the window tests: offscreen Qt (tests/conftest.py), a fake clock, a fake
player that records what it was asked to do, a silent synthesiser, temp settings and store.

`_no_dangling_qt` fails any test that leaves a QTimer running or a QThread/worker busy
after its widgets were closed (napari's habit): a leaked timer keeps firing into a dead
screen, a leaked worker writes into one.
"""

from __future__ import annotations

import shutil
import sys
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import Qt, QThread, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from app.scenario.loader import load_scenario
from app.scenario.model import Scenario
from app.services.catalog import ScenarioCatalog
from app.storage import SessionStore
from app.ui.main_window import MainWindow
from app.ui.services import AppServices
from app.ui.settings import UiSettings
from app.ui.trainee.call_screen import CallScreen
from app.voice import AudioCache, LineAudio, SilentSynth, VoiceKit, VoiceStatus
from tests.conftest import SCENARIOS

BUILT_IN = "misconduct-disclosure"


class FakeClock:
    """Seconds since the call was answered, moved by the test."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class FakePlayer:
    """Records play/stop. With `auto_finish`, a line is "heard" the moment it starts."""

    def __init__(self, auto_finish: bool = True) -> None:
        self.auto_finish = auto_finish
        self.calls: list[tuple[str, Any]] = []
        self._on_done: Callable[[], None] | None = None

    def play(self, path: Path, on_done: Callable[[], None] | None = None) -> None:
        self.calls.append(("play", Path(path).name))
        self._on_done = on_done
        if self.auto_finish and on_done is not None:
            self._on_done = None
            on_done()

    def stop(self) -> None:
        self.calls.append(("stop", None))
        self._on_done = None

    def available(self) -> bool:
        return True

    def finish(self) -> None:
        """The line being played reaches its end."""
        done, self._on_done = self._on_done, None
        if done is not None:
            done()

    @property
    def plays(self) -> list[str]:
        return [arg for kind, arg in self.calls if kind == "play"]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def player() -> FakePlayer:
    return FakePlayer()


@pytest.fixture
def settings(tmp_path: Path) -> UiSettings:
    return UiSettings.at(tmp_path / "settings.ini")


@pytest.fixture
def scenario() -> Scenario:
    return load_scenario(SCENARIOS / f"{BUILT_IN}.yaml")


@pytest.fixture
def scenarios_dir(tmp_path: Path) -> Path:
    """A private scenarios folder with the built-in scenario (tests may add files)."""
    folder = tmp_path / "scenarios"
    folder.mkdir()
    shutil.copy(SCENARIOS / f"{BUILT_IN}.yaml", folder)
    return folder


@pytest.fixture
def services(
    tmp_path: Path, settings: UiSettings, clock: FakeClock, player: FakePlayer, scenarios_dir: Path
) -> AppServices:
    synth = SilentSynth()
    cache = AudioCache(tmp_path / "cache")
    kit = VoiceKit(
        synth=synth,
        cache=cache,
        audio=LineAudio(synth, cache, None),
        player=player,  # type: ignore[arg-type]
        status=VoiceStatus("silent", "fake", ("speech_off",), ("Speech is switched off.",)),
    )
    return AppServices(
        settings=settings,
        voice=kit,
        catalog=ScenarioCatalog(scenarios_dir),
        open_store=lambda: SessionStore(tmp_path / "sessions.db"),
        clock_factory=lambda: clock,
        tick_ms=10,
    )


@pytest.fixture
def make_window(qtbot: Any, services: AppServices) -> Callable[..., MainWindow]:
    """Build a window and wait for its scenario list (and the voice) to be ready."""

    def make(svc: AppServices | None = None, *, wait_voice: bool = True) -> MainWindow:
        window = MainWindow(svc or services)
        qtbot.addWidget(window)
        with qtbot.waitSignal(window.sig_startup_finished, timeout=10000):
            window.show()
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
        if wait_voice:
            qtbot.waitUntil(lambda: not window.voice.preparing, timeout=20000)
        return window

    return make


@pytest.fixture
def window(make_window: Callable[..., MainWindow]) -> MainWindow:
    return make_window()


def focused(window: QWidget) -> QWidget:
    """The widget that keyboard input goes to now (what a trainee's typing would reach)."""
    widget = QApplication.focusWidget() or window.focusWidget()
    assert widget is not None, "nothing has keyboard focus"
    return widget


def answer_call(qtbot: Any, window: MainWindow, name: str = "Sam Taylor") -> CallScreen:
    """From the start screen by keyboard: name + Enter, Enter on the content note (if any),
    Enter to answer. Returns the call screen, connected, with the text box focused."""
    assert window.stack.currentWidget() is window.start
    window.start.name.setFocus()
    window.start.name.clear()
    qtbot.keyClicks(focused(window), name)
    qtbot.keyClick(focused(window), Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: window.stack.currentWidget() is window.note or window.call_screen is not None,
        timeout=5000,
    )
    if window.stack.currentWidget() is window.note:
        qtbot.keyClick(focused(window), Qt.Key.Key_Return)  # Continue has the focus
    qtbot.waitUntil(lambda: window.call_screen is not None, timeout=10000)
    screen = window.call_screen
    assert screen is not None
    assert focused(window) is screen.incoming.answer
    qtbot.keyClick(focused(window), Qt.Key.Key_Return)  # Answer
    qtbot.waitUntil(lambda: screen.session is not None, timeout=5000)
    assert focused(window) is screen.input
    return screen


# -- leaks ----------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _no_dangling_qt(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    timers: list[weakref.ref[QTimer]] = []
    threads: list[weakref.ref[QThread]] = []
    pools: list[weakref.ref[QThreadPool]] = []
    start_timer, start_thread, start_pool = QTimer.start, QThread.start, QThreadPool.start

    def timer_start(self: QTimer, *args: Any) -> None:
        if sys._getframe(1).f_globals.get("__name__", "").startswith("app."):
            timers.append(weakref.ref(self))  # the app's timers, not pytest-qt's own
        start_timer(self, *args)

    def thread_start(self: QThread, *args: Any) -> None:
        threads.append(weakref.ref(self))
        start_thread(self, *args)

    def pool_start(self: QThreadPool, *args: Any) -> None:
        pools.append(weakref.ref(self))
        start_pool(self, *args)

    monkeypatch.setattr(QTimer, "start", timer_start)
    monkeypatch.setattr(QThread, "start", thread_start)
    monkeypatch.setattr(QThreadPool, "start", pool_start)
    yield
    # pytest-qt has closed the test's widgets by now (its teardown hook runs first).
    problems = []
    for ref in timers:
        t = ref()
        if t is not None and shiboken6.isValid(t) and t.isActive():
            problems.append(f"a QTimer is still running (interval {t.interval()} ms)")
    for ref in threads:
        th = ref()
        if th is not None and shiboken6.isValid(th) and not th.wait(2000):
            problems.append("a QThread is still running")
    for ref in pools:
        pool = ref()
        if pool is not None and shiboken6.isValid(pool) and not pool.waitForDone(2000):
            problems.append("a thread pool still has work running")
    assert not problems, "; ".join(problems)


# Every wait in these tests ends on its signal or condition; its timeout is only a ceiling
# against a hang. Ceilings written as a few seconds failed at random on a machine running two
# test suites at once (issue 14), so each is raised to at least this, in one place.
WAIT_CEILING_MS = 120_000


def _with_ceiling(method: Callable[..., Any]) -> Callable[..., Any]:
    def wait(self: Any, *args: Any, timeout: int = 5000, **kwargs: Any) -> Any:
        return method(self, *args, timeout=max(timeout, WAIT_CEILING_MS), **kwargs)

    return wait


@pytest.fixture(autouse=True)
def _generous_wait_ceilings(monkeypatch: pytest.MonkeyPatch) -> None:
    from pytestqt.qtbot import QtBot

    for name in ("waitSignal", "waitSignals", "waitUntil", "waitExposed", "waitActive"):
        monkeypatch.setattr(QtBot, name, _with_ceiling(getattr(QtBot, name)))
