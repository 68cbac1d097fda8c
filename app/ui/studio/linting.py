"""The linter as you type: a pause in typing (debounced) starts a lint of the buffer in a
worker; the newest result wins, older ones are dropped. A clean result carries what the other
panes need (the scenario, its matcher, its map and outline), all built off the UI thread."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal

from app.matching import IntentMatcher
from app.services.catalog import build_matcher
from app.studio.graph import Graph, scenario_graph
from app.studio.lint_text import LintResult, lint_text
from app.studio.outline import OutlineEntry, scenario_outline
from app.ui.workers import TaskHandle, TaskState, run_task

DEBOUNCE_MS = 400


@dataclass(frozen=True)
class LintOutcome:
    result: LintResult
    text: str
    path: str | None
    generation: int
    matcher: IntentMatcher | None = None
    graph: Graph | None = None
    outline: tuple[OutlineEntry, ...] = ()


def lint_everything(text: str, path: str | None, generation: int) -> LintOutcome:
    result = lint_text(text, path)
    s = result.scenario
    if s is None:
        return LintOutcome(result, text, path, generation)
    return LintOutcome(
        result, text, path, generation, build_matcher(s), scenario_graph(s), scenario_outline(s)
    )


class LintRunner(QObject):
    sig_lint_started = Signal()
    """A lint of the current text has started (the problems list may be out of date)."""

    sig_lint_finished = Signal(object)
    """The newest lint is done: a `LintOutcome`."""

    def __init__(
        self,
        source: Callable[[], tuple[str, str | None]],
        pool: QThreadPool,
        parent: QObject | None = None,
        delay_ms: int = DEBOUNCE_MS,
    ) -> None:
        super().__init__(parent)
        self._source = source
        self._pool = pool
        self._generation = 0
        self._tasks: list[TaskHandle] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self.run_now)
        self.latest: LintOutcome | None = None

    @property
    def pending(self) -> bool:
        """A lint is waiting for typing to pause, or running."""
        return self._timer.isActive() or bool(self._tasks)

    def schedule(self) -> None:
        """The text changed: lint once typing pauses."""
        self._generation += 1  # anything running now is out of date
        self._timer.start()

    def run_now(self) -> None:
        self._timer.stop()
        self._generation += 1
        generation = self._generation
        text, path = self._source()
        self.sig_lint_started.emit()

        def work(state: TaskState) -> LintOutcome:
            return lint_everything(text, path, generation)

        handle: TaskHandle | None = None

        def done(outcome: LintOutcome) -> None:
            self._forget(handle)
            if outcome.generation == self._generation:
                self.latest = outcome
                self.sig_lint_finished.emit(outcome)

        def failed(message: str) -> None:  # the loader never should; say so rather than hang
            self._forget(handle)
            if generation == self._generation:
                from app.scenario.problems import Problem

                p = Problem(path or "<unsaved>", 1, 1, "error", "E000", f"linter failed: {message}")
                self.sig_lint_finished.emit(
                    LintOutcome(LintResult((p,), None), text, path, generation)
                )

        handle = run_task(self._pool, work, parent=self, on_done=done, on_failed=failed)
        self._tasks.append(handle)

    def _forget(self, handle: TaskHandle | None) -> None:
        if handle in self._tasks:
            self._tasks.remove(handle)

    def stop(self) -> None:
        self._timer.stop()
        self._generation += 1
        for t in self._tasks:
            t.cancel()
        self._tasks.clear()
