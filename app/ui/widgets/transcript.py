"""The call transcript: one paragraph per turn (who, when, what), scrolling with the call.

A read-only QTextBrowser: screen readers read it, text can be selected and copied, and it
takes the window's font, so it scales with the font-size setting. `highlight(turn)` marks one
turn (the debrief's evidence links) and scrolls it into view.
"""

from __future__ import annotations

from PySide6.QtGui import (
    QAccessible,
    QAccessibleAnnouncementEvent,
    QColor,
    QFont,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import QTextBrowser, QWidget

from app.text.clean import shown

CALLER_COLOUR = QColor("#0b4f8a")
TRAINEE_COLOUR = QColor("#1d6b2f")
MUTED_COLOUR = QColor("#5c6166")
HIGHLIGHT_COLOUR = QColor("#fff1a8")


def clock_text(seconds: float) -> str:
    """`mm:ss` (or `h:mm:ss` past an hour) for call times."""
    s = max(0, int(seconds))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class TranscriptView(QTextBrowser):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setOpenLinks(False)
        self.setUndoRedoEnabled(False)
        self.setAccessibleName(self.tr("Call transcript"))
        self.setAccessibleDescription(self.tr("What the caller and you have said, with times"))
        self.document().setDocumentMargin(12)
        self._blocks: list[int] = []  # first block number of each turn
        self._highlighted: int | None = None
        self.last_announcement: str | None = None

    # -- content ----------------------------------------------------------------------------
    def add_turn(
        self,
        speaker: str,
        role: str,
        t: float,
        text: str,
        note: str | None = None,
        *,
        announce: bool = False,
    ) -> int:
        """Append a turn; `role` is "caller" or "trainee". Returns the turn's index.
        `announce` also hands the words to screen readers (live captions)."""
        bar = self.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 4
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        block = QTextBlockFormat()
        block.setTopMargin(0 if not self._blocks else 10)
        block.setLineHeight(115, QTextBlockFormat.LineHeightTypes.ProportionalHeight.value)
        if self._blocks:
            cursor.insertBlock(block)
        else:
            cursor.setBlockFormat(block)
        self._blocks.append(cursor.block().blockNumber())

        name = QTextCharFormat()
        name.setFontWeight(QFont.Weight.Bold)
        name.setForeground(CALLER_COLOUR if role == "caller" else TRAINEE_COLOUR)
        when = QTextCharFormat()
        when.setForeground(MUTED_COLOUR)
        body = QTextCharFormat()
        cursor.insertText(speaker, name)
        cursor.insertText(f"   {clock_text(t)}", when)
        cursor.insertText("\u2028", body)  # a line break inside the same paragraph
        cursor.insertText(shown(text), body)  # bidi controls written out, never applied
        if note:
            small = QTextCharFormat()
            small.setForeground(MUTED_COLOUR)
            small.setFontItalic(True)
            cursor.insertText("\u2028" + note, small)
        if at_bottom:
            bar.setValue(bar.maximum())
        if announce:
            self.announce(f"{speaker}: {shown(text)}")
        return len(self._blocks) - 1

    def announce(self, message: str) -> None:
        """Ask screen readers to speak `message` now (a caller line arriving), politely:
        after what they are reading. Kept in `last_announcement` for tests."""
        self.last_announcement = message
        QAccessible.updateAccessibility(QAccessibleAnnouncementEvent(self, message))

    def turn_count(self) -> int:
        return len(self._blocks)

    def turn_text(self, index: int) -> str:
        return self.document().findBlockByNumber(self._blocks[index]).text()

    def clear_turns(self) -> None:
        self.clear()
        self._blocks.clear()
        self._highlighted = None

    # -- highlighting -----------------------------------------------------------------------
    def highlight(self, index: int) -> None:
        """Mark turn `index` (its whole paragraph) and scroll it into view."""
        if not 0 <= index < len(self._blocks):
            return
        if self._highlighted is not None:
            self._paint(self._highlighted, None)
        self._paint(index, HIGHLIGHT_COLOUR)
        self._highlighted = index
        block = self.document().findBlockByNumber(self._blocks[index])
        self.setTextCursor(QTextCursor(block))
        self.ensureCursorVisible()

    def _paint(self, index: int, colour: QColor | None) -> None:
        cursor = QTextCursor(self.document().findBlockByNumber(self._blocks[index]))
        fmt = QTextBlockFormat()
        if colour is None:
            fmt.clearBackground()
            fmt.setBackground(QColor(0, 0, 0, 0))
        else:
            fmt.setBackground(colour)
        cursor.mergeBlockFormat(fmt)

    @property
    def highlighted_turn(self) -> int | None:
        return self._highlighted

    def scroll_to_end(self) -> None:
        self.verticalScrollBar().setValue(self.verticalScrollBar().maximum())
