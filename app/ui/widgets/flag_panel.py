"""The scenario's flags as toggle buttons, each showing when it was raised.

The panel never decides a flag's state: a click asks (`sig_flag_requested`), and the screen
shows what the session says happened with `show_flag`. So a click on an ended call, or a
click the engine ignores, leaves the button as it was.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QPushButton, QWidget

from app.scenario.model import Flag
from app.ui.widgets.transcript import clock_text

MAX_SHORTCUTS = 9


class FlagPanel(QGroupBox):
    sig_flag_requested = Signal(str, bool)
    """The trainee asked to raise (True) or lower (False) the flag with this id."""

    def __init__(self, flags: dict[str, Flag], parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Flags"), parent)
        self.setAccessibleName(self.tr("Flags"))
        self.buttons: dict[str, QPushButton] = {}
        self._times: dict[str, QLabel] = {}
        self._raised: dict[str, bool] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(10, 14, 10, 10)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(6)
        grid.setColumnStretch(1, 1)
        for row, (fid, flag) in enumerate(flags.items()):
            key = f"Ctrl+{row + 1}" if row < MAX_SHORTCUTS else ""
            hint = QLabel(key)
            hint.setObjectName("shortcutHint")
            hint.setAccessibleName(self.tr("Shortcut") + f" {key}" if key else "")
            button = QPushButton(flag.label)
            button.setObjectName("flagButton")
            button.setCheckable(True)
            button.setAccessibleName(self.tr("Flag: ") + flag.label)
            button.setToolTip(flag.description or flag.label)
            button.clicked.connect(lambda checked, f=fid: self._clicked(f, checked))
            when = QLabel("")
            when.setObjectName("flagTime")
            when.setMinimumWidth(when.fontMetrics().horizontalAdvance("⚑ 00:00"))
            grid.addWidget(hint, row, 0)
            grid.addWidget(button, row, 1)
            grid.addWidget(when, row, 2)
            self.buttons[fid] = button
            self._times[fid] = when
            self._raised[fid] = False
            self._describe(fid, flag, key)
        self._flags = flags

    def flag_ids(self) -> list[str]:
        return list(self.buttons)

    def is_raised(self, flag_id: str) -> bool:
        return self._raised.get(flag_id, False)

    def show_flag(self, flag_id: str, raised: bool, t: float | None = None) -> None:
        """Show the flag as the session has it (raised at `t`, or lowered)."""
        if flag_id not in self.buttons:
            return
        self._raised[flag_id] = raised
        self.buttons[flag_id].setChecked(raised)
        label = self._times[flag_id]
        if raised and t is not None:
            label.setText(f"⚑ {clock_text(t)}")
            label.setAccessibleName(self.tr("raised at") + f" {clock_text(t)}")
            label.setToolTip(self.tr("Raised at") + f" {clock_text(t)}")
        elif not raised:
            label.setText("")
            label.setAccessibleName("")
        index = list(self.buttons).index(flag_id)
        key = f"Ctrl+{index + 1}" if index < MAX_SHORTCUTS else ""
        self._describe(flag_id, self._flags[flag_id], key)

    def resync(self, flag_id: str) -> None:
        """Put a button back to the state last shown (a click the session did not act on)."""
        if flag_id in self.buttons:
            self.buttons[flag_id].setChecked(self._raised[flag_id])

    def _clicked(self, flag_id: str, checked: bool) -> None:
        self.buttons[flag_id].setChecked(self._raised[flag_id])  # until the session says so
        self.sig_flag_requested.emit(flag_id, not self._raised[flag_id])

    def _describe(self, flag_id: str, flag: Flag, key: str) -> None:
        state = self._times[flag_id].accessibleName() or self.tr("not raised")
        parts = [p for p in (flag.description, state, key) if p]
        self.buttons[flag_id].setAccessibleDescription(". ".join(parts))
