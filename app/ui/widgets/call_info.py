"""The call information panel: what a control room's screen shows about a call as it comes
in (the caller's number and phone, where the network places it, the time of the call, and
earlier incidents linked to the number or the place), as a compact strip across the top of
the call: two lines of the page's width.

It shows what the scenario declares (`call_info:`) and nothing else; a scenario without one
gets no panel. Its text can be selected and copied into the log, as a handler would.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QWidget

from app.scenario.model import CallInfo

_PHONE_WORDS = {"mobile": "mobile", "landline": "landline", "payphone": "payphone", "unknown": ""}


class CallInfoPanel(QFrame):
    def __init__(self, info: CallInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("callInfo")
        self.setAccessibleName(self.tr("Call details"))
        grid = QGridLayout(self)
        grid.setContentsMargins(10, 6, 10, 6)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)
        self.values: dict[str, QLabel] = {}
        number = info.number
        phone = (
            self.tr(_PHONE_WORDS[info.phone]) if info.phone and _PHONE_WORDS.get(info.phone) else ""
        )
        if number is not None and phone:
            number += f" ({phone})"
        elif number is None and phone:
            number = phone
        previous = info.previous_incidents
        # the first line: number, time, location; the second: previous incidents
        cells = [
            (0, "number", self.tr("Number"), number),
            (0, "time", self.tr("Time of call"), info.time),
            (0, "location", self.tr("Network location"), info.location),
            (
                1,
                "previous_incidents",
                self.tr("Previous incidents"),
                None if previous is None else "; ".join(previous) or self.tr("none found"),
            ),
        ]
        col = {0: 0, 1: 0}
        for row, key, label, text in cells:
            if text is None:
                continue
            name = QLabel(label)
            name.setObjectName("muted")
            value = QLabel(text)
            value.setObjectName(f"callInfo_{key}")
            value.setWordWrap(key in ("location", "previous_incidents"))  # short ones stay whole
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setAccessibleName(f"{label}: {text}")
            name.setBuddy(value)
            c = col[row]
            span = 5 if row == 1 else 1  # the previous incidents take the whole line
            grid.addWidget(name, row, c, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(value, row, c + 1, 1, span, Qt.AlignmentFlag.AlignTop)
            col[row] = c + 2
            self.values[key] = value
        grid.setColumnStretch(5, 1)  # the location takes what is left of the first line
