"""Run all the playtests of the file being edited (F5), in a worker, with a result per test:
pass or fail, and each failure's message under it. Activating a test shows it in the file."""

from __future__ import annotations

import time

from PySide6.QtCore import QThreadPool, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.matching import IntentMatcher
from app.scenario.model import Scenario
from app.studio.session import PlaytestOutcome, run_playtests
from app.ui.workers import TaskHandle, TaskState, run_task


class TestsPane(QWidget):
    sig_tests_finished = Signal(object)
    """All playtests ran: the list of `PlaytestOutcome`s, in file order."""

    sig_location_activated = Signal(int, int, bool)
    """Show this 1-based line in the editor."""

    def __init__(self, pool: QThreadPool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pool = pool
        self._task: TaskHandle | None = None
        self.outcomes: list[PlaytestOutcome] = []
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.run_button = QPushButton(self.tr("&Run all playtests (F5)"))
        top.addWidget(self.run_button)
        self.summary = QLabel(self.tr("Press F5 to run the file's playtests."))
        self.summary.setWordWrap(True)
        top.addWidget(self.summary, 1)
        layout.addLayout(top)
        self.results = QTreeWidget()
        self.results.setAccessibleName(self.tr("Playtest results"))
        self.results.setHeaderLabels([self.tr("Result"), self.tr("Playtest")])
        self.results.itemActivated.connect(self._activated)
        layout.addWidget(self.results, 1)
        style = self.style()
        self._icons = {
            True: style.standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton),
            False: style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical),
        }

    @property
    def running(self) -> bool:
        return self._task is not None

    def run(self, scenario: Scenario, matcher: IntentMatcher) -> None:
        if self._task is not None:
            self._task.cancel()
        self.summary.setText(
            self.tr("Running {n} playtests…").replace("{n}", str(len(scenario.playtests)))
        )
        started = time.perf_counter()

        def work(state: TaskState) -> list[PlaytestOutcome]:
            return run_playtests(scenario, matcher)

        def done(outcomes: list[PlaytestOutcome]) -> None:
            self._task = None
            self.show_outcomes(outcomes, time.perf_counter() - started)

        def failed(message: str) -> None:
            self._task = None
            self.summary.setText(self.tr("The playtests could not run: ") + message)

        self._task = run_task(self._pool, work, parent=self, on_done=done, on_failed=failed)

    def cannot_run(self, why: str) -> None:
        self.results.clear()
        self.outcomes = []
        self.summary.setText(why)

    def show_outcomes(self, outcomes: list[PlaytestOutcome], seconds: float = 0.0) -> None:
        self.outcomes = outcomes
        self.results.clear()
        for o in outcomes:
            item = QTreeWidgetItem([self.tr("PASS") if o.passed else self.tr("FAIL"), o.name])
            item.setIcon(0, self._icons[o.passed])
            item.setForeground(0, QBrush(QColor("#1b6e2a" if o.passed else "#a11212")))
            item.setData(0, 256, o.line)
            for message in o.failures:
                child = QTreeWidgetItem(["", message])
                child.setData(0, 256, o.line)
                child.setToolTip(1, message)
                item.addChild(child)
            self.results.addTopLevelItem(item)
            item.setExpanded(not o.passed)
        self.results.resizeColumnToContents(0)
        passed = sum(o.passed for o in outcomes)
        if not outcomes:
            text = self.tr("This file has no playtests yet: play a call and save it as one.")
        else:
            text = (
                self.tr("{p} of {n} playtests passed")
                .replace("{p}", str(passed))
                .replace("{n}", str(len(outcomes)))
            ) + f" ({seconds:.2f} s)."
        self.summary.setText(text)
        first = self.results.topLevelItem(0)
        if first is not None:
            self.results.setCurrentItem(first)
        self.sig_tests_finished.emit(outcomes)

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        line = item.data(0, 256)
        if line:
            self.sig_location_activated.emit(int(line), 1, True)

    def shutdown(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
