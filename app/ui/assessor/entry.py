"""The way into the assessor area from the main window: a menu action (Ctrl+Shift+A) and the
start screen's button lead to the passphrase dialog; only a verified passphrase builds the
area. Leaving locks it again: the area is dropped, and the next visit asks again.

Kept apart from the main window so that the trainee screens know nothing of assessors; the
entry in turn knows of the window only what `AssessorHost` declares.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, QThreadPool, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from app.ui.assessor.words import tr
from app.ui.style import apply_font
from app.ui.voice_controller import VoiceController
from app.ui.workers import run_task

if TYPE_CHECKING:
    from app.assessor.accounts import Accounts
    from app.assessor.auth import AssessorAuth
    from app.storage import SessionStore
    from app.ui.assessor.area import AssessorArea
    from app.ui.assessor.passphrase import PassphraseDialog
    from app.ui.services import AppServices

SHORTCUT = "Ctrl+Shift+A"


def _bootstrap_configured() -> bool:
    """Whether IT's machine file sets up assessor accounts (then nobody may set the single
    passphrase on first use)."""
    from app.assessor.accounts import bootstrap_code_hash

    try:
        return bootstrap_code_hash() is not None
    except ValueError:  # a broken configuration file: start-up has said so already
        return False


class AssessorHost(Protocol):
    """What the assessor entry needs of the window it opens from (`MainWindow` provides it)."""

    @property
    def store(self) -> SessionStore | None:
        """The session store, once start-up has opened it (None: not open, or unusable)."""
        ...

    def in_call(self) -> bool:
        """A call is on screen: the area opens from the start screen only."""
        ...

    def post(self, message: str) -> None:
        """Show a notice without interrupting."""
        ...

    def show_page(self, page: QWidget, screen: str) -> None:
        """Put `page` on screen (added the first time, in the window's font) and focus it;
        `screen` names it to whoever follows the window's screens."""
        ...

    def remove_page(self, page: QWidget) -> None:
        """Take `page` off the window (its owner deletes it)."""
        ...

    def show_start(self) -> None:
        """Go back to the start screen."""
        ...


class AssessorEntry(QObject):
    sig_dialog_shown = Signal(object)
    """The passphrase dialog is open (the PassphraseDialog)."""

    sig_area_opened = Signal()
    """The passphrase verified and the assessor area is on screen."""

    sig_area_left = Signal()
    """The area was locked and left."""

    def __init__(
        self,
        host: AssessorHost,
        services: AppServices,
        pool: QThreadPool,
        voice: VoiceController,
        parent: QWidget,
    ) -> None:
        """`parent` owns the action and the passphrase dialog (the window, as a widget)."""
        super().__init__(parent)
        self.host = host
        self.services = services
        self.pool = pool
        self.voice = voice
        self._parent = parent
        self.area: AssessorArea | None = None
        self.dialog: PassphraseDialog | None = None
        self.action = QAction(tr("&Assessor area…"), parent)
        self.action.setShortcut(QKeySequence(SHORTCUT))
        self.action.triggered.connect(self.request)

    def request(self) -> None:
        """Open the area if it is open already; otherwise ask for the passphrase."""
        host = self.host
        if self.area is not None:
            host.show_page(self.area, "assessor")
            return
        if self.dialog is not None:
            self.dialog.raise_()
            return
        if host.in_call():
            host.post(tr("Finish the call first: the assessor area opens from the start screen."))
            return
        store = host.store
        if store is None:
            host.post(tr("The assessor area needs the session store, which is not open."))
            return
        from app.assessor.accounts import Accounts
        from app.assessor.auth import AssessorAuth  # the store's passphrase: on first use

        auth = AssessorAuth(store)
        accounts = Accounts(store)

        def look(_s: object) -> tuple[bool, bool]:
            return auth.is_set(), accounts.exist()

        run_task(
            self.pool,
            look,
            parent=self,
            on_done=lambda found: self._ask(auth, not found[0], accounts if found[1] else None),
            on_failed=lambda m: host.post(tr("The assessor area cannot be opened: ") + m),
        )

    def _ask(self, auth: AssessorAuth, first_use: bool, accounts: Accounts | None = None) -> None:
        if self.dialog is not None or self.area is not None:
            return
        settings = self.services.settings
        from app.ui.assessor.passphrase import PassphraseDialog

        if first_use and accounts is None and _bootstrap_configured():
            self.host.post(
                tr(
                    "This computer is set up for assessor accounts: a lead assessor creates the "
                    "first account with `callsim accounts create` (the set-up code is from IT)."
                )
            )
            return
        dialog = PassphraseDialog(
            auth,
            self.pool,
            first_use=first_use,
            name=settings.assessor_name,
            accounts=accounts,
            parent=self._parent,
        )
        apply_font(dialog, settings.font_pt)
        dialog.sig_unlocked.connect(self._unlocked)
        dialog.finished.connect(lambda _r: self._dialog_closed(dialog))
        self.dialog = dialog
        dialog.open()  # window-modal, without a nested event loop
        self.sig_dialog_shown.emit(dialog)

    def _dialog_closed(self, dialog: PassphraseDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def _unlocked(self, name: str) -> None:
        host = self.host
        store = host.store
        if store is None:
            return
        from app.ui.assessor.area import AssessorArea  # built only after the passphrase
        from app.ui.assessor.central_source import configured_url

        services = self.services
        services.settings.assessor_name = name
        services.settings.sync()
        area = AssessorArea(
            store,
            self.pool,
            assessor=name,
            catalog=services.catalog,
            clock=services.clock_factory(),
            tick_ms=min(100, max(20, services.tick_ms)),  # the play head: 10 updates a second
            ask_save_path=services.ask_save_path,
            voice=services.voice,
            voice_controller=self.voice,
            central_url=configured_url(),  # [store] url: the centre's records too
        )
        area.sig_area_left.connect(self.leave)
        area.sig_status_posted.connect(host.post)
        self.area = area
        host.show_page(area, "assessor")
        self.sig_area_opened.emit()

    def leave(self) -> None:
        """Lock the area: drop it (with everything it showed) and go back to the start."""
        area, self.area = self.area, None
        if area is not None:
            area.shutdown()
            self.host.remove_page(area)
            area.deleteLater()
        self.host.show_start()
        self.sig_area_left.emit()

    def shutdown(self) -> None:
        if self.area is not None:
            self.area.shutdown()
