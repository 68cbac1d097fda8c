"""Background work for the views: a plain function runs on a thread pool and reports back by
signals, so the UI thread never waits on disk, synthesis or scoring.

The worker is a plain function given a `TaskState` (Orange3's task-state pattern): it reports
progress and checks for cancellation through it and never sees a widget. Results, failures and
progress arrive on the UI thread as queued signals of a `TaskHandle` (the shape of Anki's
`QueryOp(parent=, op=, success=)`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

T = TypeVar("T")
_log = logging.getLogger(__name__)


class TaskState:
    """What a worker function may do besides returning: report progress, notice a cancel."""

    def __init__(self, handle: TaskHandle) -> None:
        self._handle = handle
        self._cancel = threading.Event()

    def report(self, done: int, total: int) -> None:
        """Tell the UI how far the work has got (any thread; delivered on the UI thread)."""
        if not self._cancel.is_set():
            _emit(self._handle.sig_task_progressed, done, total)

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()


class TaskHandle(QObject):
    """One piece of background work, seen from the UI thread."""

    sig_task_progressed = Signal(int, int)
    """The worker reported `done` of `total` steps."""

    sig_task_finished = Signal(object)
    """The worker returned this value (not emitted when the task was cancelled)."""

    sig_task_failed = Signal(str)
    """The worker raised; the text names the exception (its traceback goes to the log file)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = TaskState(self)
        self.done = False
        # Any, not object: `run_task` ties this callback to the worker's return type, and the
        # signal that carries the value cannot (Qt signals are untyped).
        self.on_done: Callable[[Any], None] | None = None
        self.on_failed: Callable[[str], None] | None = None
        self.on_progress: Callable[[int, int], None] | None = None

    def cancel(self) -> None:
        """Ask the worker to stop; its result, if it still returns one, is dropped."""
        self.state.cancel()

    @Slot(object)
    def _finished(self, result: object) -> None:
        self.done = True
        if self.on_done is not None and not self.state.cancelled():
            self.on_done(result)
        self.deleteLater()

    @Slot(str)
    def _failed(self, message: str) -> None:
        self.done = True
        if self.on_failed is not None and not self.state.cancelled():
            self.on_failed(message)
        self.deleteLater()

    @Slot(int, int)
    def _progressed(self, done: int, total: int) -> None:
        if self.on_progress is not None and not self.state.cancelled():
            self.on_progress(done, total)


class _Runnable(QRunnable):
    def __init__(self, fn: Callable[[TaskState], object], handle: TaskHandle) -> None:
        super().__init__()
        self._fn = fn
        self._handle = handle
        self.setAutoDelete(True)

    def run(self) -> None:
        handle = self._handle
        try:
            result = self._fn(handle.state)
        except Exception as exc:  # reported to the UI; a worker must never kill the app
            _log.exception("background task %s failed", getattr(self._fn, "__qualname__", "?"))
            _emit(handle.sig_task_failed, f"{type(exc).__name__}: {exc}")
        else:
            if not handle.state.cancelled():
                _emit(handle.sig_task_finished, result)


def _emit(signal: Any, *args: Any) -> None:
    """Emit from a worker; the handle may already be gone with its view (then nobody cares)."""
    try:
        signal.emit(*args)
    except RuntimeError:  # "Internal C++ object already deleted"
        pass


def run_task(
    pool: QThreadPool,
    fn: Callable[[TaskState], T],
    *,
    parent: QObject,
    on_done: Callable[[T], None] | None = None,
    on_failed: Callable[[str], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> TaskHandle:
    """Run `fn(state)` on `pool`; the callbacks run on the UI thread (queued signals).

    `on_done` receives what `fn` returned, typed as `fn`'s return type (Anki's `QueryOp[T]`).

    The handle is a child of `parent`, so it lives as long as the view that asked for the work
    and its callbacks are dropped with it.
    """
    handle = TaskHandle(parent)
    handle.on_done, handle.on_failed, handle.on_progress = on_done, on_failed, on_progress
    # The receiver is the handle (a QObject of the UI thread): emissions from the worker are
    # queued to the UI thread, never run on the worker.
    handle.sig_task_finished.connect(handle._finished)
    handle.sig_task_failed.connect(handle._failed)
    handle.sig_task_progressed.connect(handle._progressed)
    pool.start(_Runnable(fn, handle))
    return handle
