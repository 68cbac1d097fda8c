"""The assessor's comments pinned to moments of the call, and the final verdict with the
session's reports. Both only ask (signals); the screen stores through `Marking` and shows
what was stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.assessor.words import tr, verdict_words, when_for_people
from app.ui.widgets.transcript import clock_text

T_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2  # the comment's id
WITHDRAWN_ROLE = Qt.ItemDataRole.UserRole + 3  # True for a withdrawn comment


class CommentsPanel(QWidget):
    sig_comment_requested = Signal(str)
    """Pin this comment to the moment the replay is at."""

    sig_moment_chosen = Signal(float)
    """Move the replay to this comment's moment (seconds)."""

    sig_withdraw_requested = Signal(int, str)
    """Withdraw the comment with this id, for this reason."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.locked = False
        self.dialog: QWidget | None = None  # the withdraw dialog, while open
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 4, 0, 0)
        label = QLabel(tr("Comment on the &moment the replay is at"))
        self.text = QLineEdit()
        self.text.setAccessibleName(tr("Comment text"))
        self.text.setPlaceholderText(tr("e.g. good: kept listening after the closing"))
        label.setBuddy(self.text)
        self.text.returnPressed.connect(self.submit)
        self.add = QPushButton(tr("Add comment at 00:00"))
        self.add.setAutoDefault(True)
        self.add.clicked.connect(self.submit)
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.text, 1)
        row.addWidget(self.add)
        col.addWidget(label)
        col.addLayout(row)
        col.addWidget(self.error)
        listed = QLabel(tr("Comments (Enter goes to the moment)"))
        self.list = QListWidget()
        self.list.setAccessibleName(tr("Comments on this call"))
        self.list.setWordWrap(True)
        self.list.itemActivated.connect(self._chosen)
        listed.setBuddy(self.list)
        col.addWidget(listed)
        col.addWidget(self.list, 1)
        self.withdraw = QPushButton(tr("&Withdraw comment…"))
        self.withdraw.setAccessibleName(tr("Withdraw the chosen comment (it stays, marked)"))
        self.withdraw.setAutoDefault(True)
        self.withdraw.clicked.connect(self._ask_withdraw)
        self.list.currentItemChanged.connect(lambda *_: self._update_withdraw())
        wrow = QHBoxLayout()
        wrow.addWidget(self.withdraw)
        wrow.addStretch(1)
        col.addLayout(wrow)
        self.set_moment(0.0)
        self._update_withdraw()

    def set_moment(self, seconds: float) -> None:
        text = tr("&Add comment at ") + clock_text(seconds)
        if text != self.add.text():  # called on every tick while playing
            self.add.setText(text)
            self.add.setAccessibleName(text.replace("&", ""))

    def submit(self) -> None:
        text = self.text.text().strip()
        if not text:
            self.error.setText(tr("Type the comment first."))
            self.text.setFocus()
            return
        self.error.setText("")
        self.sig_comment_requested.emit(text)

    def comment_saved(self) -> None:
        self.text.clear()
        self.error.setText("")

    def show_error(self, text: str) -> None:
        self.error.setText(text)

    def show_comments(
        self, comments: Sequence[Any], withdrawn: Mapping[int, Any] | None = None
    ) -> None:
        """Every comment; a withdrawn one (its id in `withdrawn`, a `Retraction`) struck
        through, with who withdrew it, when and why."""
        self.list.clear()
        gone = withdrawn or {}
        for c in comments:
            text = f"{clock_text(c.t)}  {c.text}\n— {c.assessor}"
            r = gone.get(c.id)
            if r is not None:
                text += "\n" + tr("withdrawn by {who} on {when}: {why}").replace(
                    "{who}", r.assessor
                ).replace("{when}", when_for_people(r.at)).replace("{why}", r.reason)
            item = QListWidgetItem(text)
            item.setData(T_ROLE, float(c.t))
            item.setData(ID_ROLE, int(c.id))
            item.setData(WITHDRAWN_ROLE, r is not None)
            item.setToolTip(c.at)
            if r is not None:
                font = item.font()
                font.setStrikeOut(True)
                item.setFont(font)
                item.setData(Qt.ItemDataRole.AccessibleTextRole, tr("Withdrawn: ") + text)
            self.list.addItem(item)
        self._update_withdraw()

    def set_locked(self, locked: bool) -> None:
        """A signed-off session: no new comment, nothing withdrawn."""
        self.locked = locked
        self.text.setEnabled(not locked)
        self.add.setEnabled(not locked)
        self._update_withdraw()

    def _update_withdraw(self) -> None:
        item = self.list.currentItem()
        standing = item is not None and not item.data(WITHDRAWN_ROLE)
        self.withdraw.setEnabled(standing and not self.locked)

    def _ask_withdraw(self) -> None:
        from app.ui.assessor.signoff_bar import withdraw_dialog

        item = self.list.currentItem()
        if item is None or item.data(WITHDRAWN_ROLE) or self.locked:
            return
        comment_id = int(item.data(ID_ROLE))
        dialog = withdraw_dialog(self)
        self.dialog = dialog
        dialog.accepted.connect(
            lambda: self.sig_withdraw_requested.emit(comment_id, dialog.value())
        )
        dialog.finished.connect(lambda _r: setattr(self, "dialog", None))
        dialog.open()

    def _chosen(self, item: QListWidgetItem) -> None:
        self.sig_moment_chosen.emit(float(item.data(T_ROLE)))


class VerdictPanel(QWidget):
    sig_verdict_requested = Signal(str, str)
    """Store the final verdict ("pass", "fail" or "refer") with this reason."""

    sig_report_requested = Signal(str)
    """Save the session's report as "html" or "pdf"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 4, 0, 0)
        box = QGroupBox(tr("Final verdict"))
        inner = QVBoxLayout(box)
        self.current = QLabel(verdict_words(None))
        self.current.setTextFormat(Qt.TextFormat.PlainText)
        self.current.setWordWrap(True)
        self.current.setAccessibleName(tr("Current verdict"))
        inner.addWidget(self.current)
        row = QHBoxLayout()
        self.choices: dict[str, QRadioButton] = {}
        group = QButtonGroup(self)
        for value, text in (("pass", "&Pass"), ("fail", "&Fail"), ("refer", "&Refer")):
            button = QRadioButton(tr(text))
            button.setAccessibleName(tr("Verdict: ") + verdict_words(value))
            group.addButton(button)
            row.addWidget(button)
            self.choices[value] = button
        row.addStretch(1)
        inner.addLayout(row)
        reason_label = QLabel(tr("Reason (required to refer or to go against the result)"))
        reason_label.setWordWrap(True)
        self.reason = QPlainTextEdit()
        self.reason.setTabChangesFocus(True)
        self.reason.setAccessibleName(tr("Reason for the verdict"))
        self.reason.setFixedHeight(self.reason.fontMetrics().lineSpacing() * 4 + 14)
        reason_label.setBuddy(self.reason)
        inner.addWidget(reason_label)
        inner.addWidget(self.reason)
        self.save = QPushButton(tr("&Save verdict"))
        self.save.setAutoDefault(True)
        self.save.clicked.connect(self.submit)
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        save_row = QHBoxLayout()
        save_row.addWidget(self.save)
        save_row.addWidget(self.error, 1)
        inner.addLayout(save_row)
        col.addWidget(box)

        reports = QGroupBox(tr("Report"))
        rrow = QHBoxLayout(reports)
        self.html = QPushButton(tr("Save &HTML report…"))
        self.pdf = QPushButton(tr("Save P&DF report…"))
        for report, kind in ((self.html, "html"), (self.pdf, "pdf")):
            report.setAutoDefault(True)
            report.setAccessibleName(report.text().replace("&", "").rstrip("…"))
            report.clicked.connect(lambda _=False, k=kind: self.sig_report_requested.emit(k))
            rrow.addWidget(report)
        rrow.addStretch(1)
        col.addWidget(reports)
        col.addStretch(1)

    def submit(self) -> None:
        chosen = next((v for v, b in self.choices.items() if b.isChecked()), None)
        if chosen is None:
            self.error.setText(tr("Choose Pass, Fail or Refer."))
            self.choices["pass"].setFocus()
            return
        self.error.setText("")
        self.sig_verdict_requested.emit(chosen, self.reason.toPlainText().strip())

    def show_error(self, text: str) -> None:
        self.error.setText(text)

    def set_locked(self, locked: bool) -> None:
        """A signed-off session: the verdict cannot change (the reports still can be saved)."""
        for widget in (*self.choices.values(), self.reason, self.save):
            widget.setEnabled(not locked)

    def show_verdict(self, verdict: Any | None) -> None:
        if verdict is None:
            self.current.setText(verdict_words(None))
            return
        text = (
            f"{verdict_words(verdict.verdict)} — {verdict.assessor}, {when_for_people(verdict.at)}"
        )
        if verdict.reason:
            text += f"\n“{verdict.reason}”"
        self.current.setText(text)
        self.error.setText("")
