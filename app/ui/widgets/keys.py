"""Call shortcuts win over text-box key bindings.

On X11 desktops a text box claims Ctrl+E for "end of line" (Qt's emacs-style binding), so
the End call shortcut would silently do nothing while the trainee is typing, which is most
of the call. This filter declines the text box's claim (the ShortcutOverride event) for the
call's own key sequences, so the window's shortcut fires instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent, QKeySequence


class ShortcutsFirst(QObject):
    def __init__(self, sequences: Iterable[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        portable = QKeySequence.SequenceFormat.PortableText
        self._keys = {QKeySequence(s).toString(portable) for s in sequences}
        self._format = portable

    def watch(self, widget: QObject) -> None:
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            pressed = QKeySequence(event.keyCombination()).toString(self._format)
            if pressed in self._keys:
                event.ignore()  # not the text box's: let the shortcut have it
                return True
        return False
