"""The window: start screen → (content note) → call → debrief, with a menu, a status bar for
notices, and the font-size setting. It owns the thread pools and moves between screens;
the screens themselves only show things and ask for things.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

# Only the classes the start screen needs: PySide6 creates each class (with its enums) when
# first used, and some cost more than drawing the window (the `Qt` namespace about 30 ms,
# `QKeySequence` about 9), so the menus' actions and the dialogs import theirs later.
from PySide6.QtCore import QByteArray, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QLabel, QMainWindow, QProgressBar, QStackedWidget, QWidget

from app.services.catalog import CatalogEntry
from app.ui.services import AppServices
from app.ui.settings import TEXT_STEP_PERCENT
from app.ui.style import STYLE, apply_font
from app.ui.trainee.start_screen import StartScreen
from app.ui.workers import TaskState, run_task

_log = logging.getLogger(__name__)

if TYPE_CHECKING:  # imported when first used: the start screen must not wait for them
    # The voice (its engine and sound-device probe), the assessor entry, the other screens
    # and the scoring are built just after the list is first on screen, or when first asked
    # for (tests/test_startup_laziness.py keeps them off the start path).
    from PySide6.QtGui import QAction, QCloseEvent

    from app.matching import IntentMatcher
    from app.scoring.result import Result
    from app.services.call_session import CallSession
    from app.storage import SessionInfo, SessionStore
    from app.ui.assessor.entry import AssessorEntry
    from app.ui.trainee.call_screen import CallScreen
    from app.ui.trainee.content_note import ContentNotePage
    from app.ui.trainee.debrief import DebriefScreen
    from app.ui.voice_controller import VoiceController

KEYS_HELP = """Start screen: Tab moves between name, scenarios, mode and Start call; Enter starts.
Incoming call: Enter or Space answers.
During the call:
  Enter — send what you typed          Ctrl+T — back to the text box
  Ctrl+1 … Ctrl+9 — raise or lower a flag
  Ctrl+F — find a flag by name (Enter raises or lowers it, Escape goes back)
  Ctrl+L — the incident log (Tab moves between fields; leaving a field saves it)
  Ctrl+E or F12 — end the call at once
Text size: Ctrl+= 10% larger, Ctrl+- 10% smaller (70% to 200%), Ctrl+0 normal.
Assessor area: Ctrl+Shift+A (passphrase); in a replay Ctrl+Space plays or pauses."""


@dataclass
class Startup:
    """What the start-up worker found."""

    catalog: list[CatalogEntry]
    store: SessionStore | None
    store_error: str | None
    interrupted: list[SessionInfo]
    problem: str | None = None  # start-up itself failed (the list stays empty)
    built_in: str = ""  # the scenario selected when nothing has been chosen before


class MainWindow(QMainWindow):
    sig_startup_finished = Signal()
    # The scenario list is on screen (from the index while the app starts, or loaded): the
    # trainee can read it, choose and type a name; Start waits for the loaded scenario.
    sig_list_shown = Signal()
    """The scenario list is filled and the session store is open (or known to be unusable)."""

    sig_screen_changed = Signal(str)
    """Now showing: "start", "note", "call", "debrief" or "assessor"."""

    sig_debrief_shown = Signal(object)
    """The debrief is on screen; the argument is the scored result."""

    def __init__(self, services: AppServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.settings = services.settings
        self.setWindowTitle(self.tr("callsim: 999 call practice"))
        self.setStyleSheet(STYLE)
        self.resize(1280, 760)
        self.setMinimumSize(960, 600)
        self.pool = QThreadPool(self)
        self.voice_pool = QThreadPool(self)
        self.voice_pool.setMaxThreadCount(1)  # one synthesis at a time
        self._voice: VoiceController | None = None
        self._assessor: AssessorEntry | None = None
        self._note: ContentNotePage | None = None
        self._debrief: DebriefScreen | None = None
        self.store: SessionStore | None = None
        self._pending: tuple[CatalogEntry, str, str] | None = None
        self._opening = False  # a call's matcher is being built: one call at a time
        self.call_screen: CallScreen | None = None
        self.result: Result | None = None

        self.stack = QStackedWidget()
        self.start = StartScreen("", self.settings.mode)  # each call starts with no name
        self.start.setObjectName("page")
        self.stack.addWidget(self.start)
        self.setCentralWidget(self.stack)
        self.start.sig_scenario_selected.connect(self._scenario_selected)
        self.start.sig_call_requested.connect(self._call_requested)
        self.start.sig_assessor_requested.connect(lambda: self.assessor.request())
        self._build_status_bar()
        self._build_menus()
        geometry = self.settings.geometry
        if geometry:
            self.restoreGeometry(QByteArray(geometry))
        self.set_font_size(self.settings.font_pt)
        self._startup()

    # -- chrome -------------------------------------------------------------------------------
    # -- built after the first paint, or when first used --------------------------------------
    @property
    def voice(self) -> VoiceController:
        """The caller's voice: opening it probes the speech engine and the sound devices, so
        it is done just after the scenario list is first shown (`_finish_setup`)."""
        if self._voice is None:
            from app.ui.voice_controller import VoiceController

            voice = VoiceController(self.services.voice, self.voice_pool, self)
            voice.sig_prepare_progressed.connect(self._voice_progress)
            voice.sig_prepare_finished.connect(lambda _r: self._voice_progress(1, 1))
            voice.sig_notice_posted.connect(self.post)
            self._voice = voice
            status = self.services.voice.status
            text = " ".join(status.notices) if status.notices else status.summary()
            self.voice_label.setText(text)
            self.voice_label.setToolTip(text)
        return self._voice

    @property
    def assessor(self) -> AssessorEntry:
        """The passphrase-guarded assessor area's entry; this window is its `AssessorHost`."""
        if self._assessor is None:
            from app.ui.assessor.entry import AssessorEntry

            self._assessor = AssessorEntry(self, self.services, self.pool, self.voice, self)
            self._file_menu.insertAction(self._fill_menus(), self._assessor.action)
        return self._assessor

    @property
    def note(self) -> ContentNotePage:
        """The content note shown before a call whose scenario has one."""
        if self._note is None:
            from app.ui.trainee.content_note import ContentNotePage

            note = ContentNotePage()
            note.sig_continue_chosen.connect(self._open_call)
            note.sig_back_chosen.connect(self.show_start)
            self._note = note
            self._add_page(note)
        return self._note

    @property
    def debrief(self) -> DebriefScreen:
        """The debrief after a call."""
        if self._debrief is None:
            from app.ui.trainee.debrief import DebriefScreen

            debrief = DebriefScreen()
            debrief.sig_try_again_chosen.connect(self._try_again)
            debrief.sig_back_chosen.connect(self.show_start)
            self._debrief = debrief
            self._add_page(debrief)
        return self._debrief

    def _add_page(self, page: QWidget) -> None:
        page.setObjectName("page")
        self.stack.addWidget(page)
        self.apply_font_again()

    def _finish_setup(self) -> None:
        """After the list is first on screen: the menus' items, the voice (its status in the
        status bar), the assessor entry (its menu item and shortcut) and the screens a call
        leads to."""
        self._fill_menus()
        self.assessor  # noqa: B018 (built for its menu action; the voice comes with it)
        self.note  # noqa: B018
        self.debrief  # noqa: B018

    # -- chrome -------------------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.voice_label = QLabel(self.tr("Checking for sound…"))
        self.voice_label.setAccessibleName(self.tr("Voice status"))
        self.progress = QProgressBar()
        self.progress.setAccessibleName(self.tr("Preparing the caller's voice"))
        self.progress.setMaximumWidth(220)
        self.progress.setFormat(self.tr("Voice %v/%m"))
        self.progress.hide()
        bar.addPermanentWidget(self.progress)
        bar.addWidget(self.voice_label, 1)

    def _build_menus(self) -> None:
        """The menu bar; its items (and their shortcuts) come with `_fill_menus`."""
        self._file_menu = self.menuBar().addMenu(self.tr("&File"))
        self._view_menu = self.menuBar().addMenu(self.tr("&View"))
        self._help_menu = self.menuBar().addMenu(self.tr("&Help"))
        self._quit_action: QAction | None = None

    def _fill_menus(self) -> QAction:
        """The menus' items, once; returns Quit (the assessor item goes before it)."""
        if self._quit_action is not None:
            return self._quit_action
        from PySide6.QtGui import QAction, QKeySequence
        from PySide6.QtWidgets import QToolButton

        quit_action = QAction(self.tr("&Quit"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        self._file_menu.addAction(quit_action)
        self._quit_action = quit_action
        view = self._view_menu
        for text, keys, step in (
            (self.tr("&Larger text"), ["Ctrl+=", "Ctrl++"], 1),
            (self.tr("&Smaller text"), ["Ctrl+-"], -1),
            (self.tr("&Normal text size"), ["Ctrl+0"], 0),
        ):
            action = QAction(text, self)
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.triggered.connect(lambda _=False, s=step: self.step_font(s))
            view.addAction(action)
        help_menu = self._help_menu
        keys_action = QAction(self.tr("&Keyboard shortcuts"), self)
        keys_action.setShortcut(QKeySequence("F1"))
        keys_action.triggered.connect(self._show_keys)
        help_menu.addAction(keys_action)
        about_action = QAction(self.tr("&About callsim"), self)
        about_action.triggered.connect(self._show_about)
        help_menu.addAction(about_action)
        overflow = self.menuBar().findChild(QToolButton, "qt_menubar_ext_button")
        if overflow is not None:  # Qt's "more menus" arrow, shown when the window is narrow
            overflow.setAccessibleName(self.tr("More menus"))
        return quit_action

    def _show_keys(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(
            QMessageBox.Icon.Information,
            self.tr("Keyboard shortcuts"),
            self.tr(KEYS_HELP),
            QMessageBox.StandardButton.Close,
            self,
        )
        box.setModal(False)
        box.show()

    def about_text(self) -> str:
        """Version, licences and where things are kept: for IT and support."""
        from app import __version__
        from app.config import load_config
        from app.content import shipped_path
        from app.storage.paths import data_dir, default_log_dir

        try:
            cfg = load_config()
            config = str(cfg.machine_file or self.tr("none (defaults)"))
        except ValueError as exc:  # a broken file: say so here too
            config = str(exc)
        return "\n".join(
            [
                self.tr("callsim {v}: a 999 call-handling simulator.").replace("{v}", __version__),
                self.tr("Licence: MIT. Third-party components and their licences (Qt: LGPL-3.0):"),
                f"  {shipped_path('THIRD-PARTY-NOTICES.md')}",
                self.tr("Data folder: ") + str(data_dir()),
                self.tr("Log folder: ") + str(default_log_dir()),
                self.tr("Machine configuration: ") + config,
                self.tr("Voice: ") + self.services.voice.status.summary(),
            ]
        )

    def _show_about(self) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(
            QMessageBox.Icon.Information,
            self.tr("About callsim"),
            self.about_text(),
            QMessageBox.StandardButton.Close,
            self,
        )
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setModal(False)
        box.show()

    def post(self, message: str) -> None:
        """Show a notice in the status bar without interrupting (never a modal dialog)."""
        self.statusBar().showMessage(message, 15000)

    def set_font_size(self, point_size: int) -> None:
        self.settings.font_pt = point_size  # kept to the nearest 10% step
        apply_font(self, self.settings.font_pt)

    def step_font(self, step: int) -> None:
        """Ctrl+= / Ctrl+-: 10% larger or smaller; Ctrl+0 (step 0): the normal size."""
        percent = self.settings.text_percent
        self.settings.text_percent = 100 if step == 0 else percent + step * TEXT_STEP_PERCENT
        apply_font(self, self.settings.font_pt)
        self.post(self.tr("Text size {n}%").replace("{n}", str(self.settings.text_percent)))

    # -- start-up -----------------------------------------------------------------------------
    def _startup(self) -> None:
        services = self.services
        self._list_shown = False
        # First the list as the index last saw it (no file parsed: a few ms, as soon as the
        # window is up), then everything loaded in a worker, started only once the list is on
        # screen so that its imports do not compete with the first paint.

        def work(_state: TaskState) -> Startup:
            catalog = services.catalog.entries()
            built_in = services.catalog.built_in() or ""
            store, error, interrupted = None, None, []
            try:
                store = services.open_store()
                if store is not None:
                    ids = store.mark_interrupted()
                    interrupted = [i for i in (store.session(x) for x in ids) if i is not None]
            except Exception as exc:  # no recording is bad, no app is worse
                error = f"{type(exc).__name__}: {exc}"
            return Startup(catalog, store, error, interrupted, built_in=built_in)

        def failed(message: str) -> None:  # still show a (empty) list and say why
            self._started(Startup([], None, None, [], problem=message))

        def load() -> None:
            self._show_previews()
            run_task(self.pool, work, parent=self, on_done=self._started, on_failed=failed)
            QTimer.singleShot(0, self._finish_setup)

        QTimer.singleShot(0, load)

    def _show_previews(self) -> None:
        if self._list_shown:
            return  # the loaded list came first
        try:
            previews = self.services.catalog.previews()
        except Exception:  # an odd folder: the loaded list (and its errors) will come next
            _log.exception("the scenario index could not be read")
            return
        if not previews:
            return  # a new or changed file: the loaded list will be the first
        select = self.settings.last_scenario or self.services.catalog.built_in() or ""
        self.start.set_catalog(previews, select)
        self._list_shown = True
        self.sig_list_shown.emit()

    def _started(self, found: Startup) -> None:
        self.store = found.store
        notices = []
        if found.interrupted:
            # The start screen comes before any debrief: a scenario with neutral texts is
            # named by its assessment title here, whatever the mode.
            neutral = {
                e.scenario.id: e.scenario.shown("assessment").title
                for e in found.catalog
                if e.scenario is not None
            }
            calls = "; ".join(
                f"{neutral.get(i.scenario_id, i.scenario_title)} "
                f"({i.trainee or self.tr('no name')}, "
                f"{i.started_at.astimezone().strftime('%d %b %H:%M')})"
                for i in found.interrupted
            )
            notices.append(
                self.tr("{n} earlier call(s) stopped before they ended: ").replace(
                    "{n}", str(len(found.interrupted))
                )
                + calls
                + self.tr(". Everything up to that moment was saved.")
            )
        if found.problem:
            notices.append(self.tr("The scenarios could not be loaded: ") + found.problem)
        if found.store_error:
            notices.append(
                self.tr("Calls cannot be saved on this computer (")
                + found.store_error
                + self.tr("). You can still practise; results are shown but not kept.")
            )
        self.start.show_notice("\n".join(notices))
        current = self.start.current_entry()  # the trainee may have chosen from the preview
        select = (current.key if current is not None else "") or (
            self.settings.last_scenario or found.built_in
        )
        self.start.set_catalog(found.catalog, select)
        self.apply_font_again()
        self.start.setFocus()
        if not self._list_shown:
            self._list_shown = True
            self.sig_list_shown.emit()
        self.sig_startup_finished.emit()

    def apply_font_again(self) -> None:
        apply_font(self, self.settings.font_pt)

    # -- moving between screens ---------------------------------------------------------------
    def show_start(self) -> None:
        self._drop_call_screen()
        self.start.name.clear()  # a shared PC: the next call may be someone else's
        self.stack.setCurrentWidget(self.start)
        self.start.set_busy(False)
        self.start.setFocus()
        self.sig_screen_changed.emit("start")

    def _scenario_selected(self, entry: CatalogEntry) -> None:
        if entry.scenario is not None:
            self.voice.prepare(entry.scenario)

    def _call_requested(self, entry: CatalogEntry, name: str, mode: str) -> None:
        self.settings.mode = mode
        self.settings.last_scenario = entry.key
        self.settings.sync()
        self._pending = (entry, name, mode)
        scenario = entry.scenario
        assert scenario is not None
        shown = scenario.shown(mode)
        if shown.content_note:
            self.note.show_note(shown.title, shown.content_note)
            self.stack.setCurrentWidget(self.note)
            self.note.setFocus()
            self.sig_screen_changed.emit("note")
        else:
            self._open_call()

    def _try_again(self) -> None:
        if self._pending is not None:
            self._open_call()

    def _open_call(self) -> None:
        """Build the call screen once the scenario's matcher is ready (built in a worker).
        One call at a time: a second Continue/Enter while the matcher is being built, or
        during a call, does nothing (it used to replace the call in progress)."""
        if self._pending is None or self._opening or self.call_screen is not None:
            return
        self._opening = True
        entry, name, mode = self._pending
        scenario = entry.scenario
        assert scenario is not None
        self.start.set_busy(True)
        catalog = self.services.catalog  # keeps each scenario's matcher: quick the second time

        def failed(message: str) -> None:
            self._opening = False
            self.start.set_busy(False)
            self.post(message)

        run_task(
            self.pool, lambda _s: catalog.matcher(scenario), parent=self, on_done=self._show_call,
            on_failed=failed,
        )  # fmt: skip

    def _show_call(self, matcher: IntentMatcher) -> None:
        from app.ui.trainee.call_screen import CallScreen, CallSetup

        self._opening = False
        assert self._pending is not None
        entry, name, mode = self._pending
        assert entry.scenario is not None
        self._drop_call_screen()
        self.voice.prepare(entry.scenario)
        setup = CallSetup(
            scenario=entry.scenario,
            matcher=matcher,
            clock_factory=self.services.clock_factory,
            trainee=name,
            mode=mode,
            store=self.store,
            tick_ms=self.services.tick_ms,
        )
        screen = CallScreen(setup, self.voice)
        screen.setObjectName("page")
        screen.sig_call_finished.connect(self._call_finished)
        screen.sig_status_posted.connect(self.post)
        self.call_screen = screen
        self.stack.addWidget(screen)
        self.apply_font_again()
        self.stack.setCurrentWidget(screen)
        screen.incoming.set_sound(self.services.voice.status.sound)
        if not self.voice.preparing:
            screen.incoming.show_progress(1, 1)
        screen.setFocus()
        self.sig_screen_changed.emit("call")

    def _call_finished(self, session: CallSession) -> None:
        """Score and store the call in a worker, then show the debrief."""
        self.post(self.tr("Scoring your call…"))

        def done(result: Result) -> None:
            self.result = result
            notice = None
            if session.recording_error:
                notice = session.recording_error  # plain words, naming the file
            self.debrief.show_result(result, session.scenario, notice)
            self._drop_call_screen()
            self.stack.setCurrentWidget(self.debrief)
            self.apply_font_again()
            self.debrief.setFocus()
            self.statusBar().clearMessage()
            self.sig_screen_changed.emit("debrief")
            self.sig_debrief_shown.emit(result)

        def finish_and_close(_state: object) -> Result:
            try:
                return session.finish()
            finally:
                session.close()  # stop the recording thread: one per call otherwise

        run_task(self.pool, finish_and_close, parent=self, on_done=done,
                 on_failed=self.post)  # fmt: skip

    def _drop_call_screen(self) -> None:
        screen, self.call_screen = self.call_screen, None
        if screen is not None:
            screen.shutdown()
            self.stack.removeWidget(screen)
            screen.deleteLater()

    def _voice_progress(self, done: int, total: int) -> None:
        busy = 0 < total and done < total
        self.progress.setVisible(busy)
        if busy:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        if self.call_screen is not None:
            self.call_screen.incoming.show_progress(done, total)

    # -- pages opened from elsewhere (the `AssessorHost` side of the assessor entry) ----------
    def in_call(self) -> bool:
        return self.call_screen is not None

    def show_page(self, page: QWidget, screen: str) -> None:
        if self.stack.currentWidget() is page:
            return
        if self.stack.indexOf(page) < 0:
            self.stack.addWidget(page)
            self.apply_font_again()
        self.stack.setCurrentWidget(page)
        page.setFocus()
        self.sig_screen_changed.emit(screen)

    def remove_page(self, page: QWidget) -> None:
        self.stack.removeWidget(page)

    # -- closing ------------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Stop timers, sound and background work; wait for workers to finish."""
        if self.call_screen is not None:
            self.call_screen.shutdown()
        if self._assessor is not None:
            self._assessor.shutdown()
        if self._voice is not None:
            self._voice.shutdown()
        self.voice_pool.waitForDone(10000)
        self.pool.waitForDone(10000)
        if self.store is not None:
            try:
                self.store.close()
            except Exception:  # closing must not fail the exit
                pass
            self.store = None
        self.settings.geometry = bytes(self.saveGeometry().data())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)
