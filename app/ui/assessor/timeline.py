"""The call as a timeline: one row per caller line, trainee turn (with the intents heard),
flag, log edit, closing attempt, moment (e.g. the disclosure), silence, the end, and the
assessor's pinned comments.

A list model over plain `TimelineItem`s and a delegate that draws each row as time, kind (in
words and colour) and wrapped text with a muted note under it. The row at the play head is
marked with a bar; the chosen row (evidence, a click) is highlighted. Built for thousands of
rows: nothing here makes a widget per row.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from app.assessor.replay import TimelineItem
from app.scenario.model import Scenario
from app.ui.assessor.words import KIND_WORDS, kind_words, tr
from app.ui.widgets.criterion_card import heard_note
from app.ui.widgets.transcript import clock_text

ITEM_ROLE = Qt.ItemDataRole.UserRole + 1
NOTE_ROLE = Qt.ItemDataRole.UserRole + 2
TEXT_ROLE = Qt.ItemDataRole.UserRole + 3
Index = QModelIndex | QPersistentModelIndex

KIND_COLOURS = {
    "caller": QColor("#0b4f8a"),
    "trainee": QColor("#1d6b2f"),
    "flag_raised": QColor("#8a1c1c"),
    "flag_lowered": QColor("#8a1c1c"),
    "log": QColor("#5b3a8c"),
    "closing_attempt": QColor("#8a5a00"),
    "mark": QColor("#6a1b9a"),
    "silence": QColor("#5c6166"),
    "ended": QColor("#1d2329"),
    "comment": QColor("#8a4b00"),
}
MUTED = QColor("#4f565e")
CHOSEN_BG = QColor("#fff1a8")
HEAD_BAR = QColor("#1f5fa8")
MOMENT_BG = QColor("#f3e8fa")
COMMENT_BG = QColor("#fff6e5")
PAD = 5


def item_text(item: TimelineItem, scenario: Scenario | None) -> str:
    """The row's main text: what was said, or the flag's or log field's label."""
    d = item.detail
    if scenario is not None and item.kind in ("flag_raised", "flag_lowered"):
        flag = scenario.flags.get(str(d.get("flag", "")))
        return flag.label if flag is not None else item.text
    if scenario is not None and item.kind == "log":
        field = scenario.log_fields.get(str(d.get("field", "")))
        if field is not None:
            return f"{field.label}: {d.get('value', '')}"
    if item.kind == "mark":
        return tr("“{name}” (marked by the scenario)").replace("{name}", item.text)
    return item.text


def item_note(item: TimelineItem, scenario: Scenario | None) -> str:
    """The muted line under a row: what the engine heard, which flag, which field, …"""
    d = item.detail
    if item.kind == "trainee":
        intents = [str(i) for i in d.get("intents", []) or []]
        if scenario is not None:
            return heard_note(scenario, intents)
        return tr("Heard: ") + (", ".join(intents) or tr("nothing the caller recognised"))
    if item.kind in ("flag_raised", "flag_lowered") and scenario is not None:
        return str(d.get("flag", ""))
    if item.kind == "comment":
        return tr("by ") + str(d.get("assessor", ""))
    if item.kind == "caller" and d.get("emotion"):
        return tr("emotion: ") + str(d["emotion"])
    return ""


class TimelineModel(QAbstractListModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.items: list[TimelineItem] = []
        self._times: list[float] = []
        self._notes: list[str] = []
        self._texts: list[str] = []
        self._scenario: Scenario | None = None
        self.head_row = -1  # the row at the play head

    def set_items(self, items: Sequence[TimelineItem], scenario: Scenario | None) -> None:
        self.beginResetModel()
        # Comments sort after the events of the same moment; the order of equal keys holds.
        self.items = sorted(items, key=lambda i: (i.t, i.kind == "comment"))
        self._times = [i.t for i in self.items]
        self._scenario = scenario
        self._notes = [item_note(i, scenario) for i in self.items]
        self._texts = [item_text(i, scenario) for i in self.items]
        self.head_row = -1
        self.endResetModel()

    def set_scenario(self, scenario: Scenario | None) -> None:
        """Describe the same rows with the scenario's words (labels, intents heard)."""
        self.layoutAboutToBeChanged.emit()
        self._scenario = scenario
        self._notes = [item_note(i, scenario) for i in self.items]
        self._texts = [item_text(i, scenario) for i in self.items]
        self.layoutChanged.emit()

    def insert_item(self, item: TimelineItem) -> int:
        """Add one row in time order (after the rows of the same moment); returns its row."""
        row = bisect.bisect_right(self._times, item.t + 1e-9)
        self.beginInsertRows(QModelIndex(), row, row)
        self.items.insert(row, item)
        self._times.insert(row, item.t)
        self._notes.insert(row, item_note(item, self._scenario))
        self._texts.insert(row, item_text(item, self._scenario))
        if 0 <= row <= self.head_row:
            self.head_row += 1
        self.endInsertRows()
        return row

    def remove_comment(self, comment_id: int) -> bool:
        """Take a withdrawn comment's row out; False if it is not shown."""
        for row, item in enumerate(self.items):
            if item.kind == "comment" and item.detail.get("comment_id") == comment_id:
                self.beginRemoveRows(QModelIndex(), row, row)
                for column in (self.items, self._times, self._notes, self._texts):
                    del column[row]
                if row < self.head_row:
                    self.head_row -= 1
                elif row == self.head_row:
                    self.head_row = -1
                self.endRemoveRows()
                return True
        return False

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.items)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.items):
            return None
        item = self.items[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            note = self._notes[index.row()]
            text = f"{clock_text(item.t)} {kind_words(item.kind)}: {self._texts[index.row()]}"
            return f"{text}. {note}" if note else text
        if role == Qt.ItemDataRole.ToolTipRole:
            note = self._notes[index.row()]
            return self._texts[index.row()] + (f"\n{note}" if note else "")
        if role == TEXT_ROLE:
            return self._texts[index.row()]
        if role == ITEM_ROLE:
            return item
        if role == NOTE_ROLE:
            return self._notes[index.row()]
        return None

    def row_at(self, seconds: float) -> int:
        """The last row at or before `seconds` (-1 before the first)."""
        return bisect.bisect_right(self._times, seconds + 1e-9) - 1

    def set_head(self, seconds: float) -> None:
        row = self.row_at(seconds)
        if row == self.head_row:
            return
        old, self.head_row = self.head_row, row
        for r in (old, row):
            if 0 <= r < len(self.items):
                self.dataChanged.emit(self.index(r), self.index(r))

    def find_evidence(self, evidence: dict[str, Any]) -> int:
        """The row a criterion's piece of evidence points at (-1 if none)."""
        turn = evidence.get("turn")
        if isinstance(turn, int):
            for row, item in enumerate(self.items):
                if item.turn == turn and item.kind in ("caller", "trainee"):
                    return row
        t = float(evidence.get("t", 0.0))
        want = (
            ("flag_raised",)
            if "flag" in evidence
            else ("ended",)
            if "ended_by" in evidence
            else ("log",)
            if "field" in evidence
            else ()
        )
        lo = bisect.bisect_left(self._times, t - 1e-6)
        hi = bisect.bisect_right(self._times, t + 1e-6)
        same = [r for r in range(lo, hi) if self.items[r].kind != "comment"]
        for row in same:
            if self.items[row].kind in want:
                return row
        if same:
            return same[0]
        return self.row_at(t)


class TimelineDelegate(QStyledItemDelegate):
    """Draws a row: time | kind | wrapped text, with the note under the text."""

    def __init__(self, view: QListView) -> None:
        super().__init__(view)
        self._view = view
        self._cols: tuple[int, int] | None = None
        self._cols_font = QFont()
        self.viewport_width = 600  # kept up to date by the view (resize)
        # Row heights by (text, has a note, width, font): calls repeat lines, and the view
        # asks for every row's size at each layout.
        self._heights: dict[tuple[str, bool, int, str], int] = {}

    def _columns(self, font: QFont) -> tuple[int, int]:
        """The x where the kind column and the text column start (for this font)."""
        if self._cols is None or font != self._cols_font:
            bold = QFont(font)
            bold.setBold(True)
            fm, bfm = QFontMetrics(font), QFontMetrics(bold)
            kind_x = PAD * 2 + fm.horizontalAdvance("00:00:00")
            widest = max(bfm.horizontalAdvance(kind_words(k)) for k in KIND_WORDS)
            self._cols, self._cols_font = (kind_x, kind_x + widest + PAD * 3), QFont(font)
        return self._cols

    def _text_width(self, font: QFont) -> int:
        return max(80, self.viewport_width - self._columns(font)[1] - PAD * 2)

    def set_viewport_width(self, width: int) -> None:
        if width != self.viewport_width:
            self.viewport_width = width
            self._heights.clear()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        font: QFont = option.font
        width = self._text_width(font)
        text = str(index.data(TEXT_ROLE) or "")
        noted = bool(index.data(NOTE_ROLE))
        key = (text, noted, width, font.key())
        height = self._heights.get(key)
        if height is None:
            fm = QFontMetrics(font)
            flags = int(Qt.TextFlag.TextWordWrap)
            height = fm.boundingRect(QRect(0, 0, width, 100000), flags, text or " ").height()
            height += (fm.height() if noted else 0) + PAD * 2
            self._heights[key] = height
        return QSize(width, height)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        item = index.data(ITEM_ROLE)
        if not isinstance(item, TimelineItem):
            return
        rect: QRect = option.rect
        font: QFont = option.font
        state = option.state
        model = index.model()
        painter.save()
        if state & QStyle.StateFlag.State_Selected:
            painter.fillRect(rect, CHOSEN_BG)
        elif item.kind == "mark":
            painter.fillRect(rect, MOMENT_BG)
        elif item.kind == "comment":
            painter.fillRect(rect, COMMENT_BG)
        if isinstance(model, TimelineModel) and model.head_row == index.row():
            painter.fillRect(QRect(rect.left(), rect.top(), 4, rect.height()), HEAD_BAR)
        if state & QStyle.StateFlag.State_HasFocus:
            painter.setPen(HEAD_BAR)
            painter.drawRect(rect.adjusted(0, 0, -1, -1))
        kind_x, text_x = self._columns(font)
        fm = QFontMetrics(font)
        top = rect.top() + PAD
        painter.setFont(font)
        painter.setPen(MUTED)
        painter.drawText(rect.left() + PAD * 2, top + fm.ascent(), clock_text(item.t))
        bold = QFont(font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(KIND_COLOURS.get(item.kind, MUTED))
        painter.drawText(rect.left() + kind_x, top + fm.ascent(), kind_words(item.kind))
        painter.setFont(bold if item.kind == "mark" else font)
        painter.setPen(QColor("#1d2329"))
        width = self._text_width(font)
        flags = int(Qt.TextFlag.TextWordWrap)
        text = str(index.data(TEXT_ROLE) or "")
        text_rect = fm.boundingRect(QRect(0, 0, width, 100000), flags, text or " ")
        box = QRect(rect.left() + text_x, top, width, text_rect.height())
        painter.drawText(box, flags, text)
        note = index.data(NOTE_ROLE)
        if note:
            italic = QFont(font)
            italic.setItalic(True)
            painter.setFont(italic)
            painter.setPen(MUTED)
            elided = fm.elidedText(str(note), Qt.TextElideMode.ElideRight, width)
            painter.drawText(rect.left() + text_x, box.bottom() + 1 + fm.ascent(), elided)
        painter.restore()


class TimelineView(QListView):
    sig_item_chosen = Signal(object)
    """The assessor chose a row (click or Enter): its TimelineItem."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.timeline = TimelineModel(self)
        self.setModel(self.timeline)
        self.rows = TimelineDelegate(self)
        self.setItemDelegate(self.rows)
        # Laid out in one pass (row heights are cached): batched layout would keep calling
        # into Python for row sizes while the replay's rebuild runs in a worker, and the two
        # would queue for the interpreter lock.
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setAccessibleName(tr("Call timeline"))
        self.setAccessibleDescription(
            tr("Every moment of the call in time order; Enter moves the replay there")
        )
        self.activated.connect(self._chosen)
        self.clicked.connect(self._chosen)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.rows.set_viewport_width(self.viewport().width())
        super().resizeEvent(event)

    def _chosen(self, index: QModelIndex) -> None:
        item = index.data(ITEM_ROLE)
        if isinstance(item, TimelineItem):
            self.sig_item_chosen.emit(item)

    def choose_row(self, row: int) -> None:
        """Highlight `row` and scroll it into view (without emitting `sig_item_chosen`)."""
        if 0 <= row < self.timeline.rowCount():
            index = self.timeline.index(row)
            self.setCurrentIndex(index)
            self.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)

    def chosen_item(self) -> TimelineItem | None:
        item = self.currentIndex().data(ITEM_ROLE)
        return item if isinstance(item, TimelineItem) else None

    def follow_head(self, seconds: float) -> None:
        """Mark the row at the play head and keep it in view."""
        before = self.timeline.head_row
        self.timeline.set_head(seconds)
        row = self.timeline.head_row
        if row >= 0 and row != before:
            self.scrollTo(self.timeline.index(row), QAbstractItemView.ScrollHint.EnsureVisible)
