"""The problems list: each lint problem with its severity (icon and word), `line:col`, code
and message. Activating one (Enter, double-click) sends the editor to it; F8 walks them."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QStyle, QTreeWidget, QTreeWidgetItem, QWidget

from app.scenario.problems import Problem

_LOCATION = Qt.ItemDataRole.UserRole


class ProblemsView(QTreeWidget):
    sig_problem_activated = Signal(int, int)
    """The instructor chose the problem at this 1-based line and column."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("problems")
        self.setAccessibleName(self.tr("Problems"))
        self.setColumnCount(4)
        self.setHeaderLabels([self.tr("Severity"), self.tr("Line"), self.tr("Code"), ""])
        self.headerItem().setText(3, self.tr("Message"))
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.itemActivated.connect(self._activated)
        self.problems: list[Problem] = []
        style = self.style()
        self._icons = {
            "error": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical),
            "warning": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning),
        }

    def set_problems(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        self.clear()
        for p in self.problems:
            item = QTreeWidgetItem(
                [p.severity, f"{p.line}:{p.col}", p.code, " ".join(p.message.split())]
            )
            item.setIcon(0, self._icons[p.severity])
            item.setData(0, _LOCATION, (p.line, p.col))
            item.setToolTip(3, p.message)
            self.addTopLevelItem(item)
        for col in range(3):
            self.resizeColumnToContents(col)
        first = self.topLevelItem(0)
        if first is not None:
            self.setCurrentItem(first, 0)

    def location(self, item: QTreeWidgetItem) -> tuple[int, int]:
        line, col = item.data(0, _LOCATION)
        return int(line), int(col)

    def step(self, forward: bool = True) -> bool:
        """Go to the next (or previous) problem, wrapping round; False if there are none."""
        n = self.topLevelItemCount()
        if n == 0:
            return False
        current = self.currentItem()
        row = self.indexOfTopLevelItem(current) if current is not None else -1
        row = (row + (1 if forward else -1)) % n if row >= 0 else (0 if forward else n - 1)
        item = self.topLevelItem(row)
        if item is None:
            return False
        self.setCurrentItem(item, 0)
        self._activated(item, 0)
        return True

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        line, col = self.location(item)
        self.sig_problem_activated.emit(line, col)
