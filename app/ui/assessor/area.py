"""The assessor area, once unlocked: the session library and the replay of one session, with
a bar saying who is signed in and a button that locks the area and leaves it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QThreadPool, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.assessor.marks import Marking
from app.services.catalog import ScenarioCatalog
from app.storage import SessionStore
from app.ui.assessor.central_source import (
    CENTRAL,
    LOCAL,
    CentralExporter,
    CentralLibraryPage,
    CentralReplayScreen,
    CentralSource,
)
from app.ui.assessor.exports import Exporter, SaveAsker
from app.ui.assessor.library_page import LibraryFilter, LibraryPage
from app.ui.assessor.moderation_page import ModerationPage
from app.ui.assessor.replay_screen import ReplayScreen
from app.ui.assessor.words import tr
from app.ui.voice_controller import VoiceController
from app.ui.workers import run_task
from app.voice import VoiceKit

ASSESSOR_STYLE = """
QFrame#assessorBar { background: #2b2140; }
QFrame#assessorBar QLabel { color: #f1eef7; }
QLabel#banner { border-radius: 4px; padding: 6px 10px; font-weight: 600; }
QLabel#banner[state="good"] { background: #e3f4e6; border: 1px solid #7cbf8a; color: #14501f; }
QLabel#banner[state="bad"] { background: #fdecea; border: 2px solid #c62828; color: #7a1010; }
QLabel#banner[state="warn"] { background: #fff6d6; border: 2px solid #c79a00; color: #5c4400; }
QLabel#banner[state="wait"] { background: #eef1f4; border: 1px solid #c4ccd4; color: #4f565e; }
QFrame#transport { background: white; border: 1px solid #d5d9de; border-radius: 6px; }
QLabel#caption { color: #0b3559; }
QLabel#assessorMark { color: #4a1570; }
QTableView { background: white; alternate-background-color: #f3f5f8; }
QListView { background: white; border: 1px solid #d5d9de; border-radius: 4px; }
"""


class AssessorArea(QWidget):
    sig_area_left = Signal()
    """The assessor locked the area (it must be unlocked again to come back)."""

    sig_status_posted = Signal(str)
    """A notice for the status bar."""

    sig_source_shown = Signal(str)
    """The library now shows this source's records: "local" or "central"."""

    sig_source_failed = Signal(str)
    """The central store could not be opened: the plain line shown (this PC's records stay)."""

    def __init__(
        self,
        store: SessionStore,
        pool: QThreadPool,
        *,
        assessor: str,
        catalog: ScenarioCatalog,
        clock: Callable[[], float],
        tick_ms: int = 40,
        ask_save_path: SaveAsker | None = None,
        voice: VoiceKit | None = None,
        voice_controller: VoiceController | None = None,
        central_url: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """`central_url`: the machine configuration's `[store] url`; with it, the area offers
        the centre's records besides this PC's (central_source.py)."""
        super().__init__(parent)
        self.setObjectName("page")
        self.setStyleSheet(ASSESSOR_STYLE)
        self.store = store
        self.assessor = assessor
        self.catalog = catalog
        self.marking = Marking(store)
        self.exporter = Exporter(store, self.marking, pool, ask_save_path, self)
        # Load the scenarios now, in a worker, so the first replay the assessor opens does not
        # wait for the scenario file to be read and parsed.
        run_task(pool, lambda _s: catalog.warm(), parent=self)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)

        bar = QFrame()
        bar.setObjectName("assessorBar")
        row = QHBoxLayout(bar)
        row.setContentsMargins(16, 8, 16, 8)
        self.who = QLabel(tr("Assessor area · signed in as ") + assessor)
        self.who.setProperty("fontScale", 1.2)
        self.who.setAccessibleName(tr("Signed in assessor"))
        self.lock = QPushButton(tr("Lock and l&eave"))
        self.lock.setAccessibleName(tr("Lock the assessor area and leave"))
        self.lock.setToolTip(tr("Lock the assessor area (Ctrl+Shift+L)"))
        self.lock.clicked.connect(self.leave)
        self.lock.setAutoDefault(True)
        self.moderate = QPushButton(tr("&Moderation"))
        self.moderate.setAccessibleName(tr("Moderation: blind double-marking and agreement"))
        self.moderate.clicked.connect(self.show_moderation)
        row.addWidget(self.who, 1)
        # This PC's records, or the centre's (only when the configuration names a server).
        self.source: QComboBox | None = None
        self.source_note = QLabel("")
        self.source_note.setWordWrap(True)
        self.source_note.setAccessibleName(tr("Records source status"))
        self.source_note.hide()
        self.central: CentralSource | None = None
        if central_url:
            self.central = CentralSource(central_url, pool, parent=self)
            self.central.sig_store_opened.connect(self._central_opened)
            self.central.sig_store_failed.connect(self._central_failed)
            label = QLabel(tr("&Records:"))
            self.source = QComboBox()
            self.source.setAccessibleName(tr("Records: this PC or the centre"))
            self.source.addItem(tr("This PC"), LOCAL)
            self.source.addItem(tr("Centre (server)"), CENTRAL)
            label.setBuddy(self.source)
            self.source.currentIndexChanged.connect(self._source_chosen)
            row.addWidget(label)
            row.addWidget(self.source)
            row.addWidget(self.source_note, 1)
        row.addWidget(self.moderate)
        row.addWidget(self.lock)
        outer.addWidget(bar)
        lock_key = QShortcut(QKeySequence("Ctrl+Shift+L"), self)
        lock_key.activated.connect(self.leave)

        self.stack = QStackedWidget()
        self._pool, self._clock, self._tick_ms = pool, clock, tick_ms
        self._ask_save_path, self._voice, self._voice_controller = (
            ask_save_path,
            voice,
            voice_controller,
        )
        self.local_library = self.library = LibraryPage(store, pool)
        self.central_library: LibraryPage | None = None
        self.central_replay: CentralReplayScreen | None = None
        self.local_replay = self.replay = ReplayScreen(
            store,
            self.marking,
            pool,
            self.exporter,
            assessor=assessor,
            clock=clock,
            tick_ms=tick_ms,
            voice=voice,
            voice_controller=voice_controller,
        )
        self.moderation = ModerationPage(
            store, self.marking, assessor=assessor, ask_save_path=ask_save_path
        )
        for page in (self.library, self.replay, self.moderation):
            page.setObjectName("page")
            self.stack.addWidget(page)
        outer.addWidget(self.stack, 1)

        self.library.sig_session_opened.connect(self.open_session)
        self.library.sig_csv_requested.connect(self._export_csv)
        self.replay.sig_back_chosen.connect(self.show_library)
        self.moderation.sig_back_chosen.connect(self.show_library)
        self.moderation.sig_session_opened.connect(self.open_session)
        self.replay.sig_status_posted.connect(self.sig_status_posted.emit)
        self.exporter.sig_export_finished.connect(
            lambda kind, path: self.sig_status_posted.emit(
                tr("Saved the {kind} file: ").replace("{kind}", kind.upper()) + str(path)
            )
        )
        self.exporter.sig_export_failed.connect(self.sig_status_posted.emit)
        self.setFocusProxy(self.library)
        self.library.refresh()

    # -- the source of records -------------------------------------------------------------
    def showing_central(self) -> bool:
        return self.library is not self.local_library

    def _source_chosen(self, _index: int) -> None:
        assert self.source is not None and self.central is not None
        if self.source.currentData() == LOCAL:
            self._show_source(LOCAL)
            return
        self.source.setEnabled(False)  # until the store answers
        self.source_note.setText(tr("Connecting to the central store…"))
        self.source_note.show()
        self.central.open()

    def _central_opened(self, central: object) -> None:
        from app.central.store import CentralStore

        assert isinstance(central, CentralStore) and self.source is not None
        self.source.setEnabled(True)
        self.source_note.setText(tr("Centre: ") + central.where + tr(" (read-only)"))
        if self.central_library is None:
            library = CentralLibraryPage(central, self._pool)
            library.sig_connection_lost.connect(self._central_lost)
            exporter = CentralExporter(
                central, self.store, self.marking, self._pool, self._ask_save_path, self
            )
            exporter.sig_export_finished.connect(
                lambda kind, path: self.sig_status_posted.emit(
                    tr("Saved the {kind} file: ").replace("{kind}", kind.upper()) + str(path)
                )
            )
            exporter.sig_export_failed.connect(self.sig_status_posted.emit)
            replay = CentralReplayScreen(
                central,
                self.store,
                self.marking,
                self._pool,
                exporter,
                assessor=self.assessor,
                clock=self._clock,
                tick_ms=self._tick_ms,
                voice=self._voice,
                voice_controller=self._voice_controller,
            )
            for page in (library, replay):
                page.setObjectName("page")
                self.stack.addWidget(page)
            library.sig_session_opened.connect(self.open_session)
            library.sig_csv_requested.connect(
                lambda wanted: exporter.export_results(
                    self, trainee=wanted.trainee, scenario_id=wanted.scenario_id, since=wanted.since
                )
            )
            replay.sig_back_chosen.connect(self.show_library)
            replay.sig_status_posted.connect(self.sig_status_posted.emit)
            self.central_library, self.central_replay = library, replay
            self.central_exporter = exporter
        if self.source.currentData() == CENTRAL:
            self._show_source(CENTRAL)

    def _central_lost(self, line: str) -> None:
        """The central connection is gone: say so; choosing the centre again reconnects."""
        assert self.central is not None
        self.source_note.setText(line)
        self.central.close()
        if self.central_library is not None:
            self.central_library.shutdown()
            self.stack.removeWidget(self.central_library)
            self.central_library.deleteLater()
        if self.central_replay is not None:
            self.central_replay.shutdown()
            self.stack.removeWidget(self.central_replay)
            self.central_replay.deleteLater()
        self.central_library = self.central_replay = None
        self._central_failed(line)

    def _central_failed(self, line: str) -> None:
        assert self.source is not None
        self.source.blockSignals(True)
        self.source.setCurrentIndex(self.source.findData(LOCAL))
        self.source.blockSignals(False)
        self.source.setEnabled(True)
        self.source_note.setText(line)
        self.source_note.show()
        self._show_source(LOCAL)
        self.sig_status_posted.emit(line)
        self.sig_source_failed.emit(line)

    def _show_source(self, which: str) -> None:
        self.replay.player.pause()
        if which == CENTRAL and self.central_library is not None:
            assert self.central_replay is not None
            self.library, self.replay = self.central_library, self.central_replay
            self.moderate.setEnabled(False)  # moderation is on this PC's records
        else:
            self.library, self.replay = self.local_library, self.local_replay
            self.moderate.setEnabled(True)
            if self.central is not None and self.central.store is not None:
                self.source_note.setText("")
        self.stack.setCurrentWidget(self.library)
        self.setFocusProxy(self.library)
        self.library.reload()
        self.sig_source_shown.emit(which)

    def open_session(self, session_id: str) -> None:
        self.replay.load(session_id, self.catalog)
        self.stack.setCurrentWidget(self.replay)
        self.setFocusProxy(self.replay)
        self.replay.setFocus()

    def show_library(self) -> None:
        self.replay.player.pause()
        self.stack.setCurrentWidget(self.library)
        self.setFocusProxy(self.library)
        self.library.reload()  # review states may have changed
        self.library.setFocus()

    def show_moderation(self) -> None:
        """The Moderation page: second markings waiting, disagreements, the agreement report
        (the library's selected session is offered for a request)."""
        self.replay.player.pause()
        chosen = self.library.selected_row()
        if chosen is not None and not self.moderation.request_session.text():
            self.moderation.request_session.setText(chosen.id)
        self.moderation.refresh()
        self.stack.setCurrentWidget(self.moderation)
        self.setFocusProxy(self.moderation)

    def _export_csv(self, wanted: LibraryFilter) -> None:
        self.exporter.export_results(
            self, trainee=wanted.trainee, scenario_id=wanted.scenario_id, since=wanted.since
        )

    def leave(self) -> None:
        self.shutdown()
        self.sig_area_left.emit()

    def shutdown(self) -> None:
        for page in (self.local_replay, self.central_replay):
            if page is not None:
                page.shutdown()
        for library in (self.local_library, self.central_library):
            if library is not None:
                library.shutdown()
        if self.central is not None:
            self.central.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)
