"""The incoming-call page: the phone rings until the trainee answers (Enter, Space or Alt+A).
It also shows how far the caller's voice has been prepared."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget


class IncomingPage(QWidget):
    def __init__(self, title: str, mode_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._sound = True  # False: no speakers, the caller is shown as captions
        col = QVBoxLayout(self)
        col.setContentsMargins(40, 40, 40, 40)
        col.setSpacing(14)
        col.addStretch(2)
        ring = QLabel(self.tr("Incoming 999 call"))
        ring.setObjectName("incomingTitle")
        ring.setProperty("fontScale", 2.0)
        ring.setAlignment(Qt.AlignmentFlag.AlignCenter)
        about = QLabel(title)
        about.setAlignment(Qt.AlignmentFlag.AlignCenter)
        about.setWordWrap(True)
        mode = QLabel(mode_text)
        mode.setObjectName("muted")
        mode.setAlignment(Qt.AlignmentFlag.AlignCenter)
        mode.setWordWrap(True)
        self.answer = QPushButton(self.tr("&Answer"))
        self.answer.setObjectName("answerCall")
        self.answer.setProperty("fontScale", 1.3)
        self.answer.setAccessibleName(self.tr("Answer the call"))
        self.answer.setAccessibleDescription(self.tr("Press Enter or Space to answer"))
        self.answer.setDefault(True)
        self.answer.setMinimumWidth(220)
        hint = QLabel(self.tr("Press Enter to answer. During the call: Enter sends what you type."))
        hint.setObjectName("muted")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setWordWrap(True)
        self.voice = QLabel("")
        self.voice.setObjectName("muted")
        self.voice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.progress = QProgressBar()
        self.progress.setAccessibleName(self.tr("Preparing the caller's voice"))
        self.progress.setMinimumWidth(320)
        self.progress.setMaximumWidth(420)
        self.progress.setTextVisible(True)
        self.progress.hide()
        for w in (ring, about, mode):
            col.addWidget(w)
        col.addSpacing(16)
        col.addWidget(self.answer, 0, Qt.AlignmentFlag.AlignHCenter)
        col.addWidget(hint)
        col.addSpacing(10)
        col.addWidget(self.voice)
        col.addWidget(self.progress, 0, Qt.AlignmentFlag.AlignHCenter)
        col.addStretch(3)
        self.setFocusProxy(self.answer)

    def set_sound(self, available: bool) -> None:
        """Whether this machine can play the caller's voice (no speakers: captions)."""
        self._sound = available
        if not available:
            self.progress.hide()
            self.voice.setText(self.tr("No speakers found: the caller will be shown as captions."))

    def show_progress(self, done: int, total: int) -> None:
        if not self._sound:
            return  # nothing to prepare for: the caller is shown as captions
        if total <= 0 or done >= total:
            self.progress.hide()
            self.voice.setText(self.tr("The caller's voice is ready.") if total > 0 else "")
            return
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress.show()
        self.voice.setText(self.tr("Preparing the caller's voice…"))
