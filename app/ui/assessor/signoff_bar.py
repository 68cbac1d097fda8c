"""The replay screen's sign-off bar: a banner saying whether the session is signed off (and
by whom, when), with Sign off… and Reopen… buttons, each asking in a small dialog (a note for
a sign-off, a reason, required, for a reopening); and the dialog that asks why a comment is
withdrawn. They only ask (signals); the screen stores through `Marking`.

Reopening is a lead assessor's on a database with accounts (`may_reopen`): for anyone else
Reopen… is disabled, and its tooltip says why. The bar asks the screen it sits in (the nearest
parent with a `store` and an `assessor`) who is signed in.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.assessor.words import tr, when_for_people


class ReasonDialog(QDialog):
    """Asks for a text; with `required`, OK stays disabled until something is typed."""

    def __init__(
        self, title: str, prompt: str, ok_text: str, *, required: bool, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.required = required
        col = QVBoxLayout(self)
        label = QLabel(prompt)
        label.setWordWrap(True)
        self.text = QPlainTextEdit()
        self.text.setTabChangesFocus(True)
        self.text.setAccessibleName(prompt.replace("&", ""))
        self.text.setFixedHeight(self.text.fontMetrics().lineSpacing() * 4 + 14)
        label.setBuddy(self.text)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(ok_text)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.text.textChanged.connect(self._changed)
        col.addWidget(label)
        col.addWidget(self.text)
        col.addWidget(self.buttons)
        self._changed()
        self.text.setFocus()

    def _changed(self) -> None:
        self.ok.setEnabled(not self.required or bool(self.value()))

    def value(self) -> str:
        return self.text.toPlainText().strip()


class SignOffBar(QFrame):
    sig_sign_off_requested = Signal(str)
    """Sign the session off, with this note (may be empty)."""

    sig_reopen_requested = Signal(str)
    """Reopen the signed-off session, for this reason."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dialog: ReasonDialog | None = None  # the one open, if any
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.state = QLabel("")
        self.state.setTextFormat(Qt.TextFormat.PlainText)
        self.state.setWordWrap(True)
        self.state.setAccessibleName(tr("Sign-off"))
        self.sign = QPushButton(tr("Sig&n off…"))
        self.sign.setAccessibleName(tr("Sign off this session (locks its marks)"))
        self.reopen = QPushButton(tr("Re&open…"))
        self.reopen.setAccessibleName(tr("Reopen this signed-off session"))
        for button in (self.sign, self.reopen):
            button.setAutoDefault(True)
        self.sign.clicked.connect(self._ask_sign_off)
        self.reopen.clicked.connect(self._ask_reopen)
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        row.addWidget(self.state, 1)
        row.addWidget(self.error)
        row.addWidget(self.sign)
        row.addWidget(self.reopen)
        self.show_state(None)

    def show_state(self, signed: Any | None) -> None:
        """`signed`: the sign-off that locks the session now (a `SignOff`), or None."""
        self.error.setText("")
        if signed is None:
            self.state.setText(tr("Not signed off: marks, comments and the verdict can change."))
            state = "wait"
        else:
            words = tr(
                "Signed off by {who} on {when}: locked, nothing can be changed until it is "
                "reopened."
            )
            when = when_for_people(signed.at)
            text = words.replace("{who}", signed.assessor).replace("{when}", when)
            if signed.note:
                text += f"\n“{signed.note}”"
            self.state.setText(text)
            state = "good"
        self.state.setObjectName("banner")
        self.state.setProperty("state", state)
        self.state.style().unpolish(self.state)
        self.state.style().polish(self.state)
        self.sign.setVisible(signed is None)
        self.reopen.setVisible(signed is not None)
        allowed, why = self._may_reopen() if signed is not None else (True, "")
        self.reopen.setEnabled(allowed)
        self.reopen.setToolTip(why)
        self.reopen.setAccessibleDescription(why)

    def _may_reopen(self) -> tuple[bool, str]:
        """Whether the one signed in may reopen, and if not, the words saying why."""
        screen = self.parentWidget()
        while screen is not None and not (hasattr(screen, "store") and hasattr(screen, "assessor")):
            screen = screen.parentWidget()
        if screen is None:
            return True, ""
        from app.assessor.marks import may_reopen

        who = str(getattr(screen, "assessor", ""))
        store = getattr(screen, "store", None)
        if store is None or may_reopen(str(getattr(screen, "session_id", "")), who, store):
            return True, ""
        words = tr(
            "Only a lead assessor may reopen a signed-off session; you are signed in as {who}, "
            "who is not a lead."
        )
        return False, words.replace("{who}", who)

    def show_error(self, text: str) -> None:
        self.error.setText(text)

    def _open(self, dialog: ReasonDialog, then: Any) -> None:
        self.dialog = dialog
        dialog.accepted.connect(lambda: then(dialog.value()))
        dialog.finished.connect(lambda _r: setattr(self, "dialog", None))
        dialog.open()  # window-modal, does not block the event loop

    def _ask_sign_off(self) -> None:
        dialog = ReasonDialog(
            tr("Sign off this session"),
            tr("&Note (optional). Once signed off, no mark, comment or verdict can be added "
               "until the session is reopened, with a reason."),
            tr("Sign off"),
            required=False,
            parent=self,
        )  # fmt: skip
        self._open(dialog, self.sig_sign_off_requested.emit)

    def _ask_reopen(self) -> None:
        dialog = ReasonDialog(
            tr("Reopen this session"),
            tr("&Reason for reopening (required; it is kept in the audit trail)"),
            tr("Reopen"),
            required=True,
            parent=self,
        )
        self._open(dialog, self.sig_reopen_requested.emit)


def withdraw_dialog(parent: QWidget) -> ReasonDialog:
    """Asks why a comment is withdrawn (required)."""
    return ReasonDialog(
        tr("Withdraw this comment"),
        tr("&Reason for withdrawing it (required). The comment stays in the history, shown "
           "as withdrawn."),
        tr("Withdraw"),
        required=True,
        parent=parent,
    )  # fmt: skip
