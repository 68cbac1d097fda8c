"""The content note a scenario may declare, shown before its call: Continue or Back."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


class ContentNotePage(QWidget):
    sig_continue_chosen = Signal()
    """The trainee read the note and wants the call."""

    sig_back_chosen = Signal()
    """The trainee would rather not take this call now."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(80, 40, 80, 40)
        outer.addStretch(1)
        box = QFrame()
        box.setObjectName("details")
        col = QVBoxLayout(box)
        col.setContentsMargins(28, 24, 28, 24)
        col.setSpacing(14)
        heading = QLabel(self.tr("Before you start: content note"))
        heading.setObjectName("screenTitle")
        heading.setProperty("fontScale", 1.5)
        self.title = QLabel("")
        self.title.setObjectName("muted")
        self.title.setWordWrap(True)
        self.text = QLabel("")
        self.text.setWordWrap(True)
        self.text.setAccessibleName(self.tr("Content note"))
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        support = QLabel(
            self.tr(
                "You can stop at any time with End call (Ctrl+E). Talk to your trainer if "
                "anything in a scenario affects you."
            )
        )
        support.setObjectName("muted")
        support.setWordWrap(True)
        buttons = QHBoxLayout()
        self.back = QPushButton(self.tr("&Back"))
        self.back.setAccessibleName(self.tr("Back to the scenarios"))
        self.back.setAutoDefault(True)  # Enter presses it when it has the focus
        self.back.clicked.connect(self.sig_back_chosen.emit)
        self.proceed = QPushButton(self.tr("&Continue"))
        self.proceed.setObjectName("primary")
        self.proceed.setAccessibleName(self.tr("Continue to the call"))
        self.proceed.setDefault(True)
        self.proceed.clicked.connect(self.sig_continue_chosen.emit)
        buttons.addWidget(self.back)
        buttons.addStretch(1)
        buttons.addWidget(self.proceed)
        for w in (heading, self.title, self.text, support):
            col.addWidget(w)
        col.addLayout(buttons)
        outer.addWidget(box)
        outer.addStretch(2)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self.sig_back_chosen.emit)
        self.setFocusProxy(self.proceed)

    def show_note(self, title: str, note: str) -> None:
        self.title.setText(title)
        self.text.setText(note)
