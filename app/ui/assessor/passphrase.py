"""The door to the assessor area: the assessor's name and the passphrase.

On a database with assessor accounts (app/assessor/accounts.py) it is a sign-in dialog: the
account's name and its passphrase, checked (and every attempt recorded, rate-limited) by
`Accounts.sign_in`; the area opens signed with the account's name, never a typed one. A wrong
passphrase, an unknown name or a lockout says so and keeps the dialog open.

Without accounts, on first use (no passphrase on this database yet) it asks for a new one
twice; afterwards it checks the one typed. Hashing (scrypt) takes tens of milliseconds, so set
and verify run in a worker; the dialog only opens the area (`sig_unlocked`) when the passphrase
verified. A wrong passphrase clears the field and says so; nothing else happens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QThreadPool, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.assessor.auth import AssessorAuth, PassphraseRecordAltered, WeakPassphrase
from app.ui.assessor.words import tr
from app.ui.workers import TaskState, run_task

if TYPE_CHECKING:
    from app.assessor.accounts import Accounts

MIN_LENGTH = 8


class PassphraseDialog(QDialog):
    sig_unlocked = Signal(str)
    """The passphrase verified (or was set): the assessor's name."""

    sig_refused = Signal()
    """The passphrase typed was wrong (the dialog stays open for another try)."""

    sig_signed_in = Signal(object)
    """Accounts: the `Account` signed in (just before `sig_unlocked` with its name)."""

    def __init__(
        self,
        auth: AssessorAuth,
        pool: QThreadPool,
        *,
        first_use: bool,
        name: str = "",
        accounts: Accounts | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.auth = auth
        self.pool = pool
        self.accounts = accounts
        self.first_use = first_use and accounts is None
        first_use = self.first_use
        self.busy = False
        self.setWindowTitle(tr("Assessor area"))
        self.setModal(True)
        col = QVBoxLayout(self)
        if accounts is not None:
            words = tr(
                "Sign in with your assessor account: your name and your own passphrase. "
                "What you mark is signed with your account."
            )
        elif first_use:
            words = tr(
                "Set the assessor passphrase for this computer's callsim sessions. Trainees "
                "must not know it. At least 8 characters; it is stored only as a salted hash."
            )
        else:
            words = tr("The assessor area is locked. Type the assessor passphrase.")
        intro = QLabel(words)
        intro.setWordWrap(True)
        col.addWidget(intro)
        form = QFormLayout()
        self.name = QLineEdit(name)
        if accounts is not None:
            self.name.setAccessibleName(tr("Account name"))
            self.name.setPlaceholderText(tr("your assessor account"))
            form.addRow(tr("Account &name"), self.name)
        else:
            self.name.setAccessibleName(tr("Assessor name"))
            self.name.setPlaceholderText(tr("shown beside every mark you make"))
            form.addRow(tr("Your &name"), self.name)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName(
            tr("New passphrase") if first_use else tr("Assessor passphrase")
        )
        form.addRow(tr("New &passphrase") if first_use else tr("&Passphrase"), self.passphrase)
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm.setAccessibleName(tr("Confirm the new passphrase"))
        if first_use:
            form.addRow(tr("&Confirm passphrase"), self.confirm)
        else:
            self.confirm.hide()
        col.addLayout(form)
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setAccessibleName(tr("Problem"))
        col.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if accounts is not None:
            ok.setText(tr("Sign &in"))
        else:
            ok.setText(tr("Set passphrase and open") if first_use else tr("&Open"))
        ok.setAccessibleName(ok.text().replace("&", ""))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        col.addWidget(self.buttons)
        self.resize(460, self.sizeHint().height())
        (self.passphrase if name else self.name).setFocus()

    def _say(self, problem: str) -> None:
        self.error.setText(problem)

    def submit(self) -> None:
        """Check what was typed; set or verify the passphrase in a worker."""
        if self.busy:
            return
        name = self.name.text().strip()
        secret = self.passphrase.text()
        if not name:
            self._say(tr("Please type your name: marks are signed with it."))
            self.name.setFocus()
            return
        if self.first_use:
            if len(secret) < MIN_LENGTH:
                self._say(tr("The passphrase needs at least 8 characters."))
                self.passphrase.setFocus()
                return
            if secret != self.confirm.text():
                self._say(tr("The two passphrases differ. Type them again."))
                self.confirm.clear()
                self.confirm.setFocus()
                return
        self._set_busy(True)
        if self.accounts is not None:
            self._sign_in(self.accounts, name, secret)
            return
        auth, first_use = self.auth, self.first_use

        def work(_state: TaskState) -> bool:
            if first_use:
                auth.set_passphrase(secret)
                return True
            return auth.verify(secret)

        run_task(
            self.pool,
            work,
            parent=self,
            on_done=lambda ok: self._checked(ok, name),
            on_failed=self._failed,
        )

    def _sign_in(self, accounts: Accounts, name: str, secret: str) -> None:
        """Sign in in a worker; a refusal (wrong, unknown, disabled, locked out) comes back
        as its words."""
        from app.assessor.accounts import AccountError, SignInRefused

        def work(_state: TaskState) -> object:
            try:
                return accounts.sign_in(name, secret)
            except (SignInRefused, AccountError, PassphraseRecordAltered) as exc:
                return str(exc)  # AccountsAltered is one: rows changed outside callsim

        run_task(self.pool, work, parent=self, on_done=self._signed_in, on_failed=self._failed)

    def _signed_in(self, result: object) -> None:
        self._set_busy(False)
        if isinstance(result, str):
            text = result[:1].upper() + result[1:]
            self._say(
                text + (". " if not text.endswith(".") else " ") + tr("The area stays locked.")
            )
            self.passphrase.clear()
            self.passphrase.setFocus()
            self.sig_refused.emit()
            return
        self._say("")
        self.passphrase.clear()
        self.accept()
        self.sig_signed_in.emit(result)
        self.sig_unlocked.emit(getattr(result, "name", ""))

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.buttons.setEnabled(not busy)
        if busy:
            self._say(tr("Checking…"))

    def _checked(self, ok: bool, name: str) -> None:
        self._set_busy(False)
        if not ok:
            self._say(tr("That passphrase is not right. The assessor area stays locked."))
            self.passphrase.clear()
            self.passphrase.setFocus()
            self.sig_refused.emit()
            return
        self._say("")
        self.passphrase.clear()
        self.confirm.clear()
        self.accept()
        self.sig_unlocked.emit(name)

    def _failed(self, message: str) -> None:
        self._set_busy(False)
        if WeakPassphrase.__name__ in message or PassphraseRecordAltered.__name__ in message:
            self._say(message.split(":", 1)[-1].strip())
        else:
            self._say(tr("The passphrase could not be checked: ") + message)
        self.passphrase.setFocus()
