"""The start screen: the trainee's name, the scenario, the mode, then Start call.

Shows what it is given (`set_catalog`, `show_notice`) and asks for a call with
`sig_call_requested`; the main window does the rest. In assessment mode the list and the
details show each scenario's neutral texts (`Scenario.shown`), so choosing the mode changes
what they say.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.services.catalog import CatalogEntry

# Qt.ItemDataRole.UserRole + 1. Written out, and the two properties below set by name: the
# start screen is drawn without PySide6 creating the `Qt` namespace's enums (about 30 ms).
ENTRY_ROLE = 0x0100 + 1


class StartScreen(QWidget):
    sig_scenario_selected = Signal(object)
    """The highlighted scenario changed (a CatalogEntry): a chance to prepare its voice."""

    sig_call_requested = Signal(object, str, str)
    """Start a call: the CatalogEntry, the trainee's name, and the mode."""

    sig_assessor_requested = Signal()
    """Someone asked for the assessor area (it asks for the passphrase)."""

    def __init__(self, name: str = "", mode: str = "practice", parent: QWidget | None = None):
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(40, 28, 40, 28)
        outer.setSpacing(14)

        title = QLabel(self.tr("callsim: 999 call practice"))
        title.setObjectName("screenTitle")
        title.setProperty("fontScale", 1.8)
        outer.addWidget(title)
        intro = QLabel(
            self.tr(
                "Take a practice 999 call. The caller speaks (with captions); you type what you "
                "would say and press Enter, raise flags, keep the incident log, and end the call. "
                "A debrief follows."
            )
        )
        intro.setWordWrap(True)
        intro.setObjectName("muted")
        outer.addWidget(intro)

        self.notice = QLabel("")
        self.notice.setObjectName("notice")
        self.notice.setWordWrap(True)
        self.notice.setAccessibleName(self.tr("Notice"))
        self.notice.hide()
        outer.addWidget(self.notice)

        name_row = QHBoxLayout()
        name_label = QLabel(self.tr("Your &name"))
        self.name = QLineEdit(name)
        self.name.setAccessibleName(self.tr("Your name"))
        self.name.setPlaceholderText(self.tr("e.g. Sam Taylor"))
        self.name.setMaximumWidth(360)
        name_label.setBuddy(self.name)
        self.name.returnPressed.connect(self._start)  # Enter starts, as the Start button would
        self.name_error = QLabel("")
        self.name_error.setObjectName("error")
        name_row.addWidget(name_label)
        name_row.addWidget(self.name, 1)
        name_row.addWidget(self.name_error, 1)
        outer.addLayout(name_row)

        body = QGridLayout()
        body.setHorizontalSpacing(20)
        body.setVerticalSpacing(4)
        list_label = QLabel(self.tr("S&cenario"))
        self.list = QListWidget()
        self.list.setAccessibleName(self.tr("Scenarios"))
        self.list.setMinimumWidth(380)
        # Long titles wrap (large text sizes) instead of scrolling sideways.
        self.list.setWordWrap(True)
        self.list.setProperty("horizontalScrollBarPolicy", "ScrollBarAlwaysOff")
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        list_label.setBuddy(self.list)
        self.list.addItem(self.tr("Loading scenarios…"))
        self.list.currentItemChanged.connect(self._selected)
        self.list.itemActivated.connect(lambda _item: self._start())
        body.addWidget(list_label, 0, 0)
        body.addWidget(self.list, 1, 0)

        self.details = QFrame()
        self.details.setObjectName("details")
        self.details.setAccessibleName(self.tr("About the scenario"))
        details_col = QVBoxLayout(self.details)
        details_col.setContentsMargins(18, 16, 18, 16)
        details_col.setSpacing(10)
        self.detail_title = QLabel("")
        self.detail_title.setObjectName("detailTitle")
        self.detail_title.setProperty("fontScale", 1.3)
        self.detail_title.setWordWrap(True)
        self.detail_body = QLabel("")
        self.detail_body.setWordWrap(True)
        self.detail_body.setProperty("textInteractionFlags", "TextSelectableByMouse")
        self.detail_meta = QLabel("")
        self.detail_meta.setObjectName("muted")
        self.detail_meta.setWordWrap(True)
        details_col.addWidget(self.detail_title)
        details_col.addWidget(self.detail_body)
        details_col.addWidget(self.detail_meta)
        details_col.addStretch(1)
        body.addWidget(self.details, 1, 1)
        body.setColumnStretch(0, 1)
        body.setColumnStretch(1, 1)
        body.setRowStretch(1, 1)
        outer.addLayout(body, 1)

        modes = QGroupBox(self.tr("Mode"))
        modes_row = QHBoxLayout(modes)
        self.practice = QRadioButton(
            self.tr("&Practice: see what the caller heard after each turn")
        )
        self.assessment = QRadioButton(self.tr("&Assessment: nothing is shown until the debrief"))
        self.practice.setAccessibleName(self.tr("Practice mode"))
        self.assessment.setAccessibleName(self.tr("Assessment mode"))
        group = QButtonGroup(self)
        group.addButton(self.practice)
        group.addButton(self.assessment)
        (self.assessment if mode == "assessment" else self.practice).setChecked(True)
        self.assessment.toggled.connect(self._mode_changed)
        modes_row.addWidget(self.practice)
        modes_row.addWidget(self.assessment)
        modes_row.addStretch(1)
        outer.addWidget(modes)

        buttons = QHBoxLayout()
        self.assessor = QPushButton(self.tr("Assessor area…"))
        self.assessor.setAccessibleName(self.tr("Assessor area (passphrase needed)"))
        self.assessor.setToolTip(self.tr("For assessors: replay and mark calls (Ctrl+Shift+A)"))
        self.assessor.clicked.connect(self.sig_assessor_requested.emit)
        buttons.addWidget(self.assessor)
        buttons.addStretch(1)
        self.start = QPushButton(self.tr("&Start call"))
        self.start.setObjectName("primary")
        self.start.setAccessibleName(self.tr("Start call"))
        self.start.setAccessibleDescription(self.tr("Start the chosen scenario"))
        self.start.setDefault(True)
        self.start.setEnabled(False)
        self.start.clicked.connect(self._start)
        buttons.addWidget(self.start)
        outer.addLayout(buttons)
        self.setTabOrder(self.name, self.list)
        self.setTabOrder(self.list, self.practice)
        self.setTabOrder(self.practice, self.assessment)
        self.setTabOrder(self.assessment, self.start)
        self.setTabOrder(self.start, self.assessor)
        self.setFocusProxy(self.name if not name else self.list)

    # -- filling ------------------------------------------------------------------------------
    def set_catalog(self, entries: list[CatalogEntry], select: str = "") -> None:
        self.list.blockSignals(True)
        self.list.clear()
        chosen = None
        for entry in entries:
            item = QListWidgetItem()
            item.setData(ENTRY_ROLE, entry)
            self._describe_item(item, entry)
            if entry.listed is None:
                from PySide6.QtCore import Qt  # only for an unusable file: see ENTRY_ROLE

                item.setForeground(Qt.GlobalColor.darkGray)
            self.list.addItem(item)
            usable = entry.listed is not None
            if chosen is None and usable and (not select or entry.key == select):
                chosen = item
        if chosen is None and self.list.count():
            chosen = self.list.item(0)
        if not entries:
            self.list.addItem(self.tr("No scenarios found"))
        self.list.blockSignals(False)
        if chosen is not None:
            self.list.setCurrentItem(chosen)

    def _describe_item(self, item: QListWidgetItem, entry: CatalogEntry) -> None:
        """The item's text and tooltip, as the chosen mode shows the scenario."""
        listed = entry.listed  # the loaded scenario, or its preview while the app starts
        if listed is None:
            item.setText(entry.path.name + self.tr(" (unavailable)"))
            item.setToolTip(entry.error or "")
            return
        shown = listed.shown(self.mode)
        minutes = listed.expected_minutes
        text = shown.title
        if minutes:
            text += self.tr(" · about {n} min").replace("{n}", f"{minutes:g}")
        item.setText(text)
        item.setToolTip(shown.summary or "")

    def _mode_changed(self) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            entry = item.data(ENTRY_ROLE)
            if isinstance(entry, CatalogEntry):
                self._describe_item(item, entry)
        current = self.list.currentItem()
        if current is not None and isinstance(current.data(ENTRY_ROLE), CatalogEntry):
            self._show_details(current.data(ENTRY_ROLE))

    def show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    def current_entry(self) -> CatalogEntry | None:
        item = self.list.currentItem()
        entry = item.data(ENTRY_ROLE) if item is not None else None
        return entry if isinstance(entry, CatalogEntry) else None

    @property
    def mode(self) -> str:
        return "assessment" if self.assessment.isChecked() else "practice"

    def set_busy(self, busy: bool) -> None:
        entry = self.current_entry()
        self.start.setEnabled(not busy and entry is not None and entry.available)

    # -- reacting -----------------------------------------------------------------------------
    def _selected(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        entry = item.data(ENTRY_ROLE) if item is not None else None
        if not isinstance(entry, CatalogEntry):
            self.start.setEnabled(False)
            return
        self.start.setEnabled(entry.available)
        self._show_details(entry)
        if entry.scenario is not None:
            self.sig_scenario_selected.emit(entry)

    def _show_details(self, entry: CatalogEntry) -> None:
        s = entry.listed
        if s is None:
            self.detail_title.setText(entry.path.name)
            self.detail_body.setText(
                self.tr("This scenario file cannot be used:") + f"\n{entry.error}"
            )
            self.detail_meta.setText(self.tr("Check it with: callsim lint ") + str(entry.path))
            return
        shown = s.shown(self.mode)
        self.detail_title.setText(shown.title)
        self.detail_body.setText(shown.summary or "")
        meta = []
        if s.expected_minutes:
            meta.append(
                self.tr("Expected length: about {n} minutes").replace(
                    "{n}", f"{s.expected_minutes:g}"
                )
            )
        meta.append(self.tr("Caller: ") + s.caller_name)
        if shown.content_note:
            meta.append(self.tr("A content note is shown before the call."))
        self.detail_meta.setText("\n".join(meta))

    def _start(self) -> None:
        entry = self.current_entry()
        if entry is None or not entry.available or not self.start.isEnabled():
            return
        name = self.name.text().strip()
        if not name:
            self.name_error.setText(self.tr("Please type your name first."))
            self.name.setFocus()
            return
        self.name_error.setText("")
        self.sig_call_requested.emit(entry, name, self.mode)
