"""In the app, an unexpected exception (an event handler's, a thread's, a worker's) is written to
the log file with its traceback and shown as one line naming that file; the window carries on."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QThreadPool, QTimer

from app.ui.launch import report_errors
from app.ui.main_window import MainWindow
from app.ui.workers import TaskState, run_task

Capture = pytest.CaptureFixture[str]


def broken(*_: object) -> None:
    raise ValueError("the debrief\ncould not be drawn")


def shown(window: MainWindow) -> str:
    return window.statusBar().currentMessage()


@pytest.fixture
def window(make_window: Callable[..., MainWindow]) -> MainWindow:
    return make_window()


def watch(window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    """As exec_window does for the app and the studio. In the test itself: the test runner's
    own hooks are set for each phase of a test, and would otherwise be in place."""
    monkeypatch.setattr(sys, "excepthook", sys.__excepthook__)
    monkeypatch.setattr(threading, "excepthook", threading.__excepthook__)
    report_errors(window)


@pytest.mark.qt_no_exception_capture
def test_a_failing_event_handler_is_logged_and_shown_in_one_line(
    qtbot: Any, window: MainWindow, log_file: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    watch(window, monkeypatch)
    QTimer.singleShot(0, broken)
    qtbot.waitUntil(lambda: "internal error" in shown(window))
    line = f"internal error: ValueError: the debrief could not be drawn (traceback in {log_file})"
    assert shown(window) == line
    assert capsys.readouterr().err == f"callsim: {line}\n"
    text = log_file.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "in broken" in text
    window.step_font(1)  # the window carries on
    assert window.isVisible()


def test_a_thread_that_fails_is_shown_in_the_window(
    qtbot: Any, window: MainWindow, log_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    watch(window, monkeypatch)
    worker = threading.Thread(target=broken, name="recorder")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: "internal error" in shown(window))
    assert shown(window).endswith(f"(traceback in {log_file})")
    assert "uncaught exception in thread recorder" in log_file.read_text(encoding="utf-8")


def test_a_failed_worker_logs_its_traceback(qtbot: Any, window: MainWindow, log_file: Path) -> None:
    def work(_state: TaskState) -> None:
        broken()

    failures: list[str] = []
    pool = QThreadPool(window)
    run_task(pool, work, parent=window, on_failed=failures.append)
    qtbot.waitUntil(lambda: bool(failures))
    pool.waitForDone()
    assert failures == ["ValueError: the debrief\ncould not be drawn"]
    text = log_file.read_text(encoding="utf-8")
    assert "background task" in text and "work failed" in text and "in broken" in text
