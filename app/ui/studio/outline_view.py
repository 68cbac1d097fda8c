"""The outline: a tree of the scenario's states (what they say, their handlers), global
handlers, intents, lines (with their voice: recorded, cached or none), criteria and
playtests. Activating an entry sends the editor to where it is defined."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from app.studio.outline import OutlineEntry

_LOCATION = Qt.ItemDataRole.UserRole
_ENTRY = Qt.ItemDataRole.UserRole + 1

AUDIO_WORDS = {"recorded": "recorded", "cached": "cached", "none": "no audio"}


class OutlineView(QTreeWidget):
    sig_location_activated = Signal(int, int, bool)
    """Show this 1-based line and column in the editor (and give it the focus if True:
    Enter does, a click does not, so the tree keeps the keyboard)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("outline")
        self.setAccessibleName(self.tr("Outline"))
        self.setColumnCount(2)
        self.setHeaderLabels([self.tr("Scenario"), self.tr("Voice")])
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.setUniformRowHeights(True)
        self.itemActivated.connect(lambda item, _c: self._go(item, True))
        self.itemClicked.connect(lambda item, _c: self._go(item, False))
        self.entries: tuple[OutlineEntry, ...] = ()
        self._expanded: set[str] = {"States", "Any state"}

    def set_outline(
        self,
        entries: Sequence[OutlineEntry],
        audio_kind: Callable[[str], str] | None = None,
    ) -> None:
        """Show `entries`; `audio_kind(line_id)` says where each line's voice comes from."""
        for old in self._top_items():  # keep what the instructor opened
            group = old.text(0).split(" (")[0]
            (self._expanded.add if old.isExpanded() else self._expanded.discard)(group)
        self.entries = tuple(entries)
        self.setUpdatesEnabled(False)
        self.clear()
        for entry in entries:
            item = self._item(entry, audio_kind)
            self.addTopLevelItem(item)
            item.setExpanded(entry.label.split(" (")[0] in self._expanded)
            if entry.label.startswith("States"):
                for j in range(item.childCount()):
                    state = item.child(j)
                    if state is not None:
                        state.setExpanded(True)
        self.setUpdatesEnabled(True)

    def _item(
        self, entry: OutlineEntry, audio_kind: Callable[[str], str] | None
    ) -> QTreeWidgetItem:
        item = QTreeWidgetItem([entry.label, ""])
        item.setToolTip(0, entry.label)
        item.setData(0, _LOCATION, (entry.line, entry.col))
        item.setData(0, _ENTRY, (entry.kind, entry.ref))
        if entry.kind == "line" and audio_kind is not None:
            item.setText(1, AUDIO_WORDS.get(audio_kind(entry.ref), ""))
        for child in entry.children:
            item.addChild(self._item(child, audio_kind))
        return item

    def current_line_id(self) -> str | None:
        """The caller line selected in the tree, if a line is selected."""
        item = self.currentItem()
        if item is None:
            return None
        kind, ref = item.data(0, _ENTRY)
        return str(ref) if kind == "line" else None

    def find_entry(self, kind: str, ref: str) -> QTreeWidgetItem | None:
        """The first item naming `ref` of this kind (tests, and selecting from elsewhere)."""
        for item in self._walk():
            if item.data(0, _ENTRY) == (kind, ref):
                return item
        return None

    def refs(self, kind: str) -> list[str]:
        return [str(i.data(0, _ENTRY)[1]) for i in self._walk() if i.data(0, _ENTRY)[0] == kind]

    def _walk(self) -> list[QTreeWidgetItem]:
        out: list[QTreeWidgetItem] = []
        stack = self._top_items()
        while stack:
            item = stack.pop(0)
            out.append(item)
            stack[0:0] = [c for j in range(item.childCount()) if (c := item.child(j)) is not None]
        return out

    def _top_items(self) -> list[QTreeWidgetItem]:
        items = (self.topLevelItem(i) for i in range(self.topLevelItemCount()))
        return [i for i in items if i is not None]

    def _go(self, item: QTreeWidgetItem, focus: bool) -> None:
        line, col = item.data(0, _LOCATION)
        if line:
            self.sig_location_activated.emit(int(line), int(col), focus)
