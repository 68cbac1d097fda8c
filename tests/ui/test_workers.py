"""`run_task` hands the worker's own value to `on_done` on the UI thread, and a failure's text
to `on_failed`; a cancelled task reports neither."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QObject, QThread, QThreadPool

from app.ui.workers import TaskState, run_task


@dataclass(frozen=True)
class Answer:
    value: int
    thread: QThread | None


@pytest.fixture
def pool() -> Iterator[QThreadPool]:
    pool = QThreadPool()
    yield pool
    pool.waitForDone(10000)


def test_on_done_gets_the_workers_value_on_the_ui_thread(qtbot: Any, pool: QThreadPool) -> None:
    owner = QObject()
    got: list[tuple[Answer, QThread | None]] = []

    def work(_state: TaskState) -> Answer:
        return Answer(42, QThread.currentThread())

    def done(answer: Answer) -> None:  # typed: no isinstance needed
        got.append((answer, QThread.currentThread()))

    handle = run_task(pool, work, parent=owner, on_done=done)
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    answer, ui_thread = got[0]
    assert answer.value == 42
    assert ui_thread is owner.thread() and answer.thread is not ui_thread
    assert handle.done


def test_a_failure_is_reported_by_name(qtbot: Any, pool: QThreadPool) -> None:
    owner = QObject()
    failed: list[str] = []

    def work(_state: TaskState) -> int:
        raise ValueError("no such session")

    run_task(pool, work, parent=owner, on_done=lambda _n: None, on_failed=failed.append)
    qtbot.waitUntil(lambda: bool(failed), timeout=5000)
    assert failed == ["ValueError: no such session"]


def test_a_cancelled_task_reports_nothing(qtbot: Any, pool: QThreadPool) -> None:
    owner = QObject()
    started, release = threading.Event(), threading.Event()
    seen: list[object] = []

    def work(state: TaskState) -> str:
        started.set()
        release.wait(5)
        return "late"

    handle = run_task(pool, work, parent=owner, on_done=seen.append, on_failed=seen.append)
    assert started.wait(5)
    handle.cancel()
    release.set()
    assert pool.waitForDone(5000)
    QCoreApplication.processEvents()  # deliver anything that was queued
    assert seen == []
