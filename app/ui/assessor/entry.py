"""The way into the assessor area from the main window: a menu action (Ctrl+Shift+A) and the
start screen's button lead to the passphrase dialog; only a verified passphrase builds the
area. Leaving locks it again: the area is dropped, and the next visit asks again.

Kept apart from the main window so that the trainee screens know nothing of assessors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence

from app.assessor.auth import AssessorAuth
from app.ui.assessor.area import AssessorArea
from app.ui.assessor.passphrase import PassphraseDialog
from app.ui.assessor.words import tr
from app.ui.settings import Option
from app.ui.style import apply_font
from app.ui.workers import run_task

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

ASSESSOR_NAME = Option("assessor/name", str, "")
SHORTCUT = "Ctrl+Shift+A"


class AssessorEntry(QObject):
    sig_dialog_shown = Signal(object)
    """The passphrase dialog is open (the PassphraseDialog)."""

    sig_area_opened = Signal()
    """The passphrase verified and the assessor area is on screen."""

    sig_area_left = Signal()
    """The area was locked and left."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.area: AssessorArea | None = None
        self.dialog: PassphraseDialog | None = None
        self.action = QAction(tr("&Assessor area…"), window)
        self.action.setShortcut(QKeySequence(SHORTCUT))
        self.action.triggered.connect(self.request)

    def request(self) -> None:
        """Open the area if it is open already; otherwise ask for the passphrase."""
        w = self.window
        if self.area is not None:
            w.stack.setCurrentWidget(self.area)
            return
        if self.dialog is not None:
            self.dialog.raise_()
            return
        if w.call_screen is not None:
            w.post(tr("Finish the call first: the assessor area opens from the start screen."))
            return
        store = w.store
        if store is None:
            w.post(tr("The assessor area needs the session store, which is not open."))
            return
        auth = AssessorAuth(store)
        run_task(
            w.pool,
            lambda _s: auth.is_set(),
            parent=self,
            on_done=lambda is_set: self._ask(auth, not bool(is_set)),
            on_failed=lambda m: w.post(tr("The assessor area cannot be opened: ") + m),
        )

    def _ask(self, auth: AssessorAuth, first_use: bool) -> None:
        if self.dialog is not None or self.area is not None:
            return
        name = str(self.window.settings.get(ASSESSOR_NAME))
        dialog = PassphraseDialog(
            auth, self.window.pool, first_use=first_use, name=name, parent=self.window
        )
        apply_font(dialog, self.window.settings.font_pt)
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
        w = self.window
        store = w.store
        if store is None:
            return
        w.settings.set(ASSESSOR_NAME, name)
        w.settings.sync()
        services = w.services
        area = AssessorArea(
            store,
            w.pool,
            assessor=name,
            catalog=services.catalog,
            clock=services.clock_factory(),
            tick_ms=min(100, max(20, services.tick_ms)),  # the play head: 10 updates a second
            ask_save_path=services.ask_save_path,
            voice=services.voice,
            voice_controller=w.voice,
        )
        area.sig_area_left.connect(self.leave)
        area.sig_status_posted.connect(w.post)
        self.area = area
        w.stack.addWidget(area)
        w.apply_font_again()
        w.stack.setCurrentWidget(area)
        area.setFocus()
        w.sig_screen_changed.emit("assessor")
        self.sig_area_opened.emit()

    def leave(self) -> None:
        """Lock the area: drop it (with everything it showed) and go back to the start."""
        area, self.area = self.area, None
        if area is not None:
            area.shutdown()
            self.window.stack.removeWidget(area)
            area.deleteLater()
        self.window.show_start()
        self.sig_area_left.emit()

    def shutdown(self) -> None:
        if self.area is not None:
            self.area.shutdown()
