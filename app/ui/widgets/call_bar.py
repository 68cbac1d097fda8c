"""The strip across the top of the call: who is calling, the call state, the call clock, the
speaking indicator and the End call button. Only shows what it is told."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.ui.widgets.transcript import clock_text


class CallBar(QFrame):
    def __init__(self, caller_name: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("callBar")
        self.caller_name = caller_name
        row = QHBoxLayout(self)
        row.setContentsMargins(16, 10, 16, 10)
        row.setSpacing(18)

        who = QVBoxLayout()
        who.setSpacing(2)
        self.caller = QLabel(caller_name)
        self.caller.setObjectName("callerName")
        self.caller.setProperty("fontScale", 1.35)
        self.state = QLabel(self.tr("Incoming 999 call"))
        self.state.setObjectName("callState")
        self.state.setAccessibleName(self.tr("Call state"))
        self.scenario = QLabel(title)
        self.scenario.setObjectName("scenarioTitle")
        who.addWidget(self.caller)
        who.addWidget(self.state)
        row.addLayout(who)

        self.speaking = QLabel("")
        self.speaking.setObjectName("speaking")
        self.speaking.setAccessibleName(self.tr("Speaking indicator"))
        self.speaking.setMinimumWidth(
            self.speaking.fontMetrics().horizontalAdvance(f"● {caller_name} is speaking") + 40
        )
        row.addWidget(self.speaking, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addStretch(1)
        row.addWidget(self.scenario, 0, Qt.AlignmentFlag.AlignVCenter)

        self.clock = QLabel(clock_text(0))
        self.clock.setObjectName("callClock")
        self.clock.setProperty("fontScale", 1.6)
        self.clock.setAccessibleName(self.tr("Call clock"))
        self.clock.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        row.addWidget(self.clock, 0, Qt.AlignmentFlag.AlignVCenter)

        self.end_button = QPushButton(self.tr("End call"))
        self.end_button.setObjectName("endCall")
        self.end_button.setAccessibleName(self.tr("End call"))
        self.end_button.setAccessibleDescription(self.tr("Hang up now (Ctrl+E or F12)"))
        self.end_button.setToolTip(self.tr("Hang up now (Ctrl+E or F12)"))
        self.end_button.setAutoDefault(True)  # Enter presses it when it has the focus
        row.addWidget(self.end_button, 0, Qt.AlignmentFlag.AlignVCenter)

    def set_clock(self, seconds: float) -> None:
        self.clock.setText(clock_text(seconds))

    def set_state(self, text: str) -> None:
        self.state.setText(text)

    def set_speaking(self, speaking: bool) -> None:
        self.speaking.setText(
            self.tr("● {name} is speaking").replace("{name}", self.caller_name) if speaking else ""
        )
