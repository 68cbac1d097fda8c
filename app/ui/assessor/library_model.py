"""The session library as a table model over `LibraryRow`s (from `query_sessions`).

Sorting by a column happens here, in memory (a few ms for ten thousand rows), so a click on a
header never waits for the database. Interrupted sessions say so in the Status column and
show in another colour; a signed-off (locked) session says "signed off" in the Review column.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from app.assessor.library import LibraryRow
from app.ui.assessor.words import (
    result_words,
    review_words,
    session_status_words,
    tr,
    verdict_words,
)
from app.ui.widgets.transcript import clock_text

ROW_ROLE = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex

COLUMNS = ("trainee", "scenario", "date", "mode", "duration", "result", "review", "status")
HEADERS = {
    "trainee": "Trainee",
    "scenario": "Scenario",
    "date": "Date",
    "mode": "Mode",
    "duration": "Duration",
    "result": "Result",
    "review": "Review",
    "status": "Status",
}
INTERRUPTED_FG = QColor("#8a1c1c")
REVIEW_ORDER = {"unreviewed": 0, "in_review": 1, "reviewed": 2}


def _date(row: LibraryRow) -> str:
    local = row.started_at.astimezone()
    return f"{local.day} {local.strftime('%b %Y %H:%M')}"  # as people write dates


def _review(row: LibraryRow) -> str:
    words = review_words(row.review)
    words = f"{words}: {verdict_words(row.verdict)}" if row.verdict else words
    return f"{words} · {tr('signed off')}" if row.signed_off else words


def cell_text(row: LibraryRow, column: str) -> str:
    if column == "trainee":
        return row.trainee or tr("(no name)")
    if column == "scenario":
        return row.scenario_title or row.scenario_id
    if column == "date":
        return _date(row)
    if column == "mode":
        return row.mode
    if column == "duration":
        return "" if row.duration is None else clock_text(row.duration)
    if column == "result":
        return result_words(row.score, row.passed)
    if column == "review":
        return _review(row)
    return session_status_words(row.status)


# Sort keys: (missing-last flag, value), so empty cells gather at the end either way.
SORT_KEYS: dict[str, Callable[[LibraryRow], Any]] = {
    "trainee": lambda r: (False, (r.trainee or "").casefold()),
    "scenario": lambda r: (False, (r.scenario_title or r.scenario_id).casefold()),
    "date": lambda r: (False, r.started_at),
    "mode": lambda r: (False, r.mode),
    "duration": lambda r: (r.duration is None, r.duration or 0.0),
    "result": lambda r: (r.score is None, r.score or 0.0),
    "review": lambda r: (False, (REVIEW_ORDER.get(r.review, 3), r.signed_off)),
    "status": lambda r: (False, r.status),
}


class LibraryModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[LibraryRow] = []
        self._sort: tuple[int, Qt.SortOrder] = (COLUMNS.index("date"), Qt.SortOrder.DescendingOrder)

    def set_rows(self, rows: Sequence[LibraryRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self._sort_rows()
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(HEADERS[COLUMNS[section]]) if 0 <= section < len(COLUMNS) else None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        column = COLUMNS[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return cell_text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if row.status == "interrupted":
                return tr("This call stopped before it ended (the app closed or crashed)")
            return f"{row.scenario_title} · {row.id}"
        if role == Qt.ItemDataRole.ForegroundRole and row.status == "interrupted":
            return QBrush(INTERRUPTED_FG)
        if role == Qt.ItemDataRole.FontRole and row.status == "interrupted" and column == "status":
            font = QFont()
            font.setBold(True)
            return font
        if role == ROW_ROLE:
            return row
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        self.layoutAboutToBeChanged.emit()
        kept = self.persistentIndexList()  # the selection and current row follow their rows
        before = [(self.row_at(i.row()), i.column()) for i in kept]
        self._sort = (column, order)
        self._sort_rows()
        where = {id(r): n for n, r in enumerate(self.rows)}
        after = [
            self.index(where[id(r)], c) if r is not None and id(r) in where else QModelIndex()
            for r, c in before
        ]
        self.changePersistentIndexList(kept, after)
        self.layoutChanged.emit()

    def _sort_rows(self) -> None:
        column, order = self._sort
        key = SORT_KEYS[COLUMNS[column]]
        descending = order == Qt.SortOrder.DescendingOrder
        # Newest first breaks ties (a stable sort keeps the query's order).
        self.rows.sort(key=lambda r: r.started_at, reverse=True)
        missing = [r for r in self.rows if key(r)[0]]
        present = [r for r in self.rows if not key(r)[0]]
        present.sort(key=lambda r: key(r)[1], reverse=descending)
        self.rows = present + missing

    def row_at(self, row: int) -> LibraryRow | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None
