"""The scenario text editor: line numbers in a gutter, the current line highlighted, problems
underlined, YAML-friendly keys (Tab indents with spaces, Enter keeps the indentation).

Tab belongs to the text here (YAML is all indentation), so Ctrl+Tab and Ctrl+Shift+Tab move
the keyboard focus out of the editor, as in Qt's other text editors.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from app.scenario.problems import Problem
from app.ui.studio.highlighter import YamlHighlighter

INDENT = "  "


class _Gutter(QWidget):
    def __init__(self, editor: CodeEditor) -> None:
        super().__init__(editor)
        self.editor = editor

    def sizeHint(self) -> QSize:
        return QSize(self.editor.gutter_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        self.editor.paint_gutter(event)


class CodeEditor(QPlainTextEdit):
    sig_cursor_moved = Signal(int, int)
    """The cursor is now at this 1-based line and column."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scenarioEditor")
        self.setAccessibleName(self.tr("Scenario text"))
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.setFont(font)
        self.setTabStopDistance(self.fontMetrics().horizontalAdvance(" ") * 2)
        self.highlighter = YamlHighlighter(self.document())
        self._gutter = _Gutter(self)
        self._problems: list[Problem] = []
        self._problem_lines: dict[int, str] = {}
        self.blockCountChanged.connect(self._update_margins)
        self.updateRequest.connect(self._scroll_gutter)
        self.cursorPositionChanged.connect(self._cursor_moved)
        self._update_margins()
        self._cursor_moved()

    # -- public -----------------------------------------------------------------------------
    def go_to(self, line: int, col: int = 1, focus: bool = True) -> None:
        """Put the cursor at a 1-based line and column, scroll there (and take the focus)."""
        block = self.document().findBlockByNumber(max(0, line - 1))
        if not block.isValid():
            block = self.document().lastBlock()
        cursor = QTextCursor(block)
        cursor.movePosition(
            QTextCursor.MoveOperation.Right,
            QTextCursor.MoveMode.MoveAnchor,
            max(0, min(col - 1, block.length() - 1)),
        )
        self.setTextCursor(cursor)
        self.centerCursor()
        if focus:
            self.setFocus(Qt.FocusReason.OtherFocusReason)

    def position(self) -> tuple[int, int]:
        """The cursor's 1-based line and column."""
        c = self.textCursor()
        return c.blockNumber() + 1, c.positionInBlock() + 1

    def replace_all(self, text: str) -> None:
        """Replace the whole text as one undoable step (keeps the undo history)."""
        cursor = QTextCursor(self.document())
        cursor.beginEditBlock()
        cursor.select(QTextCursor.SelectionType.Document)
        cursor.insertText(text)
        cursor.endEditBlock()

    def set_problems(self, problems: Iterable[Problem]) -> None:
        self._problems = list(problems)
        self._problem_lines = {}
        for p in self._problems:
            if p.is_error or p.line not in self._problem_lines:
                self._problem_lines[p.line] = p.severity
        self._update_selections()
        self._gutter.update()

    # -- gutter -----------------------------------------------------------------------------
    def gutter_width(self) -> int:
        digits = max(3, len(str(self.blockCount())))
        return 14 + self.fontMetrics().horizontalAdvance("9") * digits

    def _update_margins(self, _count: int = 0) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _scroll_gutter(self, rect: QRect, dy: int) -> None:
        if dy:
            self._gutter.scroll(0, dy)
        else:
            self._gutter.update(0, rect.y(), self._gutter.width(), rect.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        cr = self.contentsRect()
        self._gutter.setGeometry(QRect(cr.left(), cr.top(), self.gutter_width(), cr.height()))

    def paint_gutter(self, event: QPaintEvent) -> None:
        painter = QPainter(self._gutter)
        painter.fillRect(event.rect(), QColor("#eef0f3"))
        block = self.firstVisibleBlock()
        number = block.blockNumber()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        bottom = top + round(self.blockBoundingRect(block).height())
        current = self.textCursor().blockNumber()
        width = self._gutter.width()
        height = self.fontMetrics().height()
        while block.isValid() and top <= event.rect().bottom():
            if block.isVisible() and bottom >= event.rect().top():
                severity = self._problem_lines.get(number + 1)
                if severity:
                    colour = "#fbd4d0" if severity == "error" else "#fbeeb8"
                    painter.fillRect(0, top, width, height, QColor(colour))
                painter.setPen(QColor("#1d2329" if number == current else "#5f6670"))
                painter.drawText(
                    0, top, width - 6, height, Qt.AlignmentFlag.AlignRight, str(number + 1)
                )
            block = block.next()
            top = bottom
            bottom = top + round(self.blockBoundingRect(block).height())
            number += 1
        painter.end()

    # -- highlights -------------------------------------------------------------------------
    def _cursor_moved(self) -> None:
        self._update_selections()
        line, col = self.position()
        self.sig_cursor_moved.emit(line, col)

    def _update_selections(self) -> None:
        selections = []
        current = QTextEdit.ExtraSelection()
        current.format.setBackground(QColor("#eaf2fb"))
        current.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
        current.cursor = self.textCursor()
        current.cursor.clearSelection()
        selections.append(current)
        doc = self.document()
        for p in self._problems[:200]:
            block = doc.findBlockByNumber(p.line - 1)
            if not block.isValid():
                continue
            sel = QTextEdit.ExtraSelection()
            fmt = QTextCharFormat()
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            fmt.setUnderlineColor(QColor("#c62828" if p.is_error else "#b7791f"))
            sel.format = fmt
            cursor = QTextCursor(block)
            start = max(0, min(p.col - 1, block.length() - 1))
            cursor.movePosition(QTextCursor.MoveOperation.Right, n=start)
            cursor.movePosition(
                QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor
            )
            sel.cursor = cursor
            selections.append(sel)
        self.setExtraSelections(selections)

    # -- keys -------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        ctrl = mods & Qt.KeyboardModifier.ControlModifier
        if key in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab) and ctrl:
            back = key == Qt.Key.Key_Backtab or bool(mods & Qt.KeyboardModifier.ShiftModifier)
            # QPlainTextEdit refuses to pass the focus on while Tab is text; QWidget does it.
            QWidget.focusNextPrevChild(self, not back)
            return
        if key == Qt.Key.Key_Tab and not mods:
            self._indent(True)
            return
        if key == Qt.Key.Key_Backtab:
            self._indent(False)
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not mods:
            line = self.textCursor().block().text()
            indent = line[: len(line) - len(line.lstrip(" "))]
            self.textCursor().insertText("\n" + indent)
            self.ensureCursorVisible()
            return
        super().keyPressEvent(event)

    def _indent(self, more: bool) -> None:
        cursor = self.textCursor()
        if not cursor.hasSelection() and more:
            col = cursor.positionInBlock()
            cursor.insertText(" " * (len(INDENT) - col % len(INDENT)))
            return
        doc = self.document()
        first = doc.findBlock(cursor.selectionStart()).blockNumber()
        last = doc.findBlock(cursor.selectionEnd()).blockNumber()
        cursor.beginEditBlock()
        for n in range(first, last + 1):
            block = doc.findBlockByNumber(n)
            c = QTextCursor(block)
            if more:
                c.insertText(INDENT)
            else:
                spaces = len(block.text()) - len(block.text().lstrip(" "))
                for _ in range(min(spaces, len(INDENT))):
                    c.deleteChar()
        cursor.endEditBlock()
