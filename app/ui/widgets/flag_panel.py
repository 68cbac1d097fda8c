"""The flags (incident qualifiers) as a column of toggle buttons, each showing when it was
raised, under a box to find one by typing (a dozen standard qualifiers are more than Ctrl+1–9
reach).

The panel never decides a flag's state: a click asks (`sig_flag_requested`), and the screen
shows what the session says happened with `show_flag`. So a click on an ended call, or a
click the engine ignores, leaves the button as it was.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QLineEdit, QPushButton, QWidget

from app.scenario.model import Flag
from app.ui.widgets.transcript import clock_text

MAX_SHORTCUTS = 9


class FlagFind(QLineEdit):
    """Type part of a flag's name; Enter raises or lowers the first one shown, Escape gives up."""

    sig_done = Signal()
    """The trainee finished with the box (Enter or Escape): typing goes back to the caller."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.clear()
            self.textEdited.emit("")
            self.sig_done.emit()
            return
        super().keyPressEvent(event)


class FlagPanel(QGroupBox):
    sig_flag_requested = Signal(str, bool)
    """The trainee asked to raise (True) or lower (False) the flag with this id."""

    sig_find_done = Signal()
    """The find box is done with (a flag toggled, or Escape): focus can go back."""

    def __init__(self, flags: dict[str, Flag], parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Flags"), parent)
        self.setAccessibleName(self.tr("Flags"))
        self.buttons: dict[str, QPushButton] = {}
        self._times: dict[str, QLabel] = {}
        self._hints: dict[str, QLabel] = {}
        self._raised: dict[str, bool] = {}
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(10, 14, 10, 10)
        self.grid.setHorizontalSpacing(6)
        self.grid.setVerticalSpacing(3)
        self.find_box = FlagFind()
        self.find_box.setObjectName("flagFind")
        self.find_box.setAccessibleName(self.tr("Find a flag"))
        self.find_box.setPlaceholderText(self.tr("Find a flag (Ctrl+F), Enter raises or lowers it"))
        self.find_box.textEdited.connect(self._filter)
        self.find_box.returnPressed.connect(self._toggle_found)
        self.find_box.sig_done.connect(self.sig_find_done)
        for i, (fid, flag) in enumerate(flags.items()):
            key = f"Ctrl+{i + 1}" if i < MAX_SHORTCUTS else ""
            hint = QLabel(str(i + 1) if key else "")
            hint.setObjectName("shortcutHint")
            hint.setAccessibleName(self.tr("Shortcut") + f" {key}" if key else "")
            hint.setToolTip(key)
            button = QPushButton(flag.label)
            button.setObjectName("flagButton")
            button.setCheckable(True)
            button.setAccessibleName(self.tr("Flag: ") + flag.label)
            tip = flag.description or flag.label
            button.setToolTip(f"{tip} ({key})" if key else tip)
            button.clicked.connect(lambda checked, f=fid: self._clicked(f, checked))
            when = QLabel("")
            when.setObjectName("flagTime")
            when.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            self.buttons[fid] = button
            self._times[fid] = when
            self._hints[fid] = hint
            self._raised[fid] = False
            self._describe(fid, flag, key)
        self._flags = flags
        self.grid.addWidget(self.find_box, 0, 0, 1, 3)
        for row, fid in enumerate(self.buttons, start=1):
            self.grid.addWidget(self._hints[fid], row, 0)
            self.grid.addWidget(self.buttons[fid], row, 1)
            self.grid.addWidget(self._times[fid], row, 2)
        self.grid.setColumnStretch(1, 1)
        self._fit_times()

    def _fit_times(self) -> None:
        """Room for a time beside every flag, so raising one never moves the others."""
        for when in self._times.values():
            when.setMinimumWidth(when.fontMetrics().horizontalAdvance("⚑ 00:00") + 4)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_times()

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

    def set_enabled(self, enabled: bool) -> None:
        for button in self.buttons.values():
            button.setEnabled(enabled)
        self.find_box.setEnabled(enabled)

    def focus_find(self) -> None:
        self.find_box.setFocus()
        self.find_box.selectAll()

    def found(self) -> list[str]:
        """The flags the find box leaves on show, in order."""
        return [fid for fid, b in self.buttons.items() if not b.isHidden()]

    def _filter(self, text: str) -> None:
        """Show the flags whose label has a word starting with each word typed ("con" finds
        Concern for welfare, not misconduct)."""
        typed = text.lower().split()
        for fid, button in self.buttons.items():
            words = "".join(c if c.isalnum() else " " for c in self._flags[fid].label.lower())
            shown = all(any(w.startswith(t) for w in words.split()) for t in typed)
            for w in (button, self._times[fid], self._hints[fid]):
                w.setHidden(not shown)

    def _toggle_found(self) -> None:
        found = self.found()
        if self.find_box.text().strip() and found:
            self.sig_flag_requested.emit(found[0], not self._raised[found[0]])
        self.find_box.clear()
        self._filter("")
        self.sig_find_done.emit()

    def _clicked(self, flag_id: str, checked: bool) -> None:
        self.buttons[flag_id].setChecked(self._raised[flag_id])  # until the session says so
        self.sig_flag_requested.emit(flag_id, not self._raised[flag_id])

    def _describe(self, flag_id: str, flag: Flag, key: str) -> None:
        state = self._times[flag_id].accessibleName() or self.tr("not raised")
        parts = [p for p in (flag.description, state, key) if p]
        self.buttons[flag_id].setAccessibleDescription(". ".join(parts))
