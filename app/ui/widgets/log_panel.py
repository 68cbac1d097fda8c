"""The scenario's incident-log fields. Text is committed to the session when a field is left
(Enter or focus moving on) and, through `commit_all`, when the call ends, so nothing typed is
ever lost.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QWidget,
)

from app.scenario.model import LogField


class LogTextEdit(QPlainTextEdit):
    """A multi-line log field: Tab moves on (it does not type a tab); leaving it commits."""

    sig_focus_left = Signal()
    """Keyboard focus moved away from the field."""

    def __init__(self, parent: QWidget | None = None, lines: int = 5) -> None:
        super().__init__(parent)
        self.lines = lines
        self.setTabChangesFocus(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._fit()

    def _fit(self) -> None:
        """A few lines of the current font high (again after every font change)."""
        self.setFixedHeight(self.fontMetrics().lineSpacing() * self.lines + 14)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.sig_focus_left.emit()


class LogPanel(QGroupBox):
    sig_field_committed = Signal(str, str)
    """The trainee finished editing log field `id`; its text is now `value`."""
    sig_field_edited = Signal()
    """The trainee typed in a log field (they are busy: silence should wait)."""

    def __init__(self, fields: dict[str, LogField], parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Incident log"), parent)
        self.setAccessibleName(self.tr("Incident log"))
        form = QFormLayout(self)
        form.setContentsMargins(10, 14, 10, 10)
        form.setVerticalSpacing(6)
        # each label above its field: the log is a narrow column beside the flags, and a field
        # squeezed beside its label is too short to type an address into at large text sizes
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.editors: dict[str, QLineEdit | LogTextEdit] = {}
        self._committed: dict[str, str] = {}
        for fid, spec in fields.items():
            label = QLabel(spec.label)
            editor: QLineEdit | LogTextEdit
            if spec.multiline:
                editor = LogTextEdit()
                editor.sig_focus_left.connect(lambda f=fid: self._commit(f))
                editor.textChanged.connect(self.sig_field_edited)
            else:
                editor = QLineEdit()
                editor.editingFinished.connect(lambda f=fid: self._commit(f))
                editor.textEdited.connect(self.sig_field_edited)
            editor.setObjectName(f"log_{fid}")
            editor.setAccessibleName(self.tr("Log: ") + spec.label)
            label.setBuddy(editor)
            self.editors[fid] = editor
            self._committed[fid] = ""
            if spec.multiline:
                form.addRow(label)
                form.addRow(editor)
            else:
                form.addRow(label, editor)

    def text(self, field_id: str) -> str:
        editor = self.editors[field_id]
        return editor.text() if isinstance(editor, QLineEdit) else editor.toPlainText()

    def commit_all(self) -> None:
        """Commit every field whose text changed since it was last committed."""
        for fid in self.editors:
            self._commit(fid)

    def focus_first(self) -> None:
        if self.editors:
            next(iter(self.editors.values())).setFocus()

    def set_editable(self, editable: bool) -> None:
        for editor in self.editors.values():
            editor.setReadOnly(not editable)

    def _commit(self, field_id: str) -> None:
        value = self.text(field_id)
        if value != self._committed[field_id]:
            self._committed[field_id] = value
            self.sig_field_committed.emit(field_id, value)
