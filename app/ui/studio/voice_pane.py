"""Voice: every caller line with where its sound comes from (recorded voice-over, cached
synthesis, or nothing yet); hear a line in its voice and emotion; render all lines with a
progress bar. Rendering and synthesis run in workers; playback goes through the voice kit's
player, so a machine without speech or sound stays silent (and says so) instead of failing."""

from __future__ import annotations

from PySide6.QtCore import Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.scenario.model import Scenario
from app.studio.lines import defined_lines, line_emotion
from app.ui.workers import TaskHandle, TaskState, run_task
from app.voice import AudioSource, RenderReport, VoiceKit, prerender

WORDS = {
    "recorded": "recorded voice-over",
    "cached": "cached synthesis",
    "none": "nothing yet",
    "shown": "shown only, never spoken",  # `voice: false`: a cough, a sob
}


class VoicePane(QWidget):
    sig_line_heard = Signal(str, str)
    """Playing the line `line_id` started; the second argument says from what (recorded,
    cached) or "failed"."""

    sig_render_finished = Signal(object)
    """Rendering all lines ended: the `RenderReport` (None if it failed)."""

    _sig_play_done = Signal(int)  # from the player's thread

    def __init__(self, kit: VoiceKit, pool: QThreadPool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kit = kit
        self._pool = pool
        self.scenario: Scenario | None = None
        self._render: TaskHandle | None = None
        self._hear: TaskHandle | None = None
        self._token = 0
        self._sig_play_done.connect(self._play_done, Qt.ConnectionType.QueuedConnection)
        layout = QVBoxLayout(self)
        self.status = QLabel(kit.status.summary() + "".join(f"\n{n}" for n in kit.status.notices))
        self.status.setObjectName("muted")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.table = QTableWidget(0, 4)
        self.table.setAccessibleName(self.tr("Caller lines and their voice"))
        self.table.setHorizontalHeaderLabels(
            [self.tr("Line"), self.tr("Emotion"), self.tr("Voice"), self.tr("Text")]
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.cellActivated.connect(lambda row, _c: self.hear(self._line_at(row)))
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.hear_button = QPushButton(self.tr("&Hear line (F9)"))
        self.hear_button.clicked.connect(lambda: self.hear(self.selected_line()))
        self.stop_button = QPushButton(self.tr("S&top"))
        self.stop_button.clicked.connect(self.stop)
        self.render_button = QPushButton(self.tr("Render &all lines"))
        self.render_button.clicked.connect(self.render_all)
        self.cancel_button = QPushButton(self.tr("&Cancel"))
        self.cancel_button.clicked.connect(self.cancel_render)
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setAccessibleName(self.tr("Rendering progress"))
        self.progress.setFormat(self.tr("%v of %m lines"))
        for w in (self.hear_button, self.stop_button, self.render_button, self.cancel_button):
            buttons.addWidget(w)
        buttons.addWidget(self.progress, 1)
        layout.addLayout(buttons)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)

    # -- lines ------------------------------------------------------------------------------
    def set_scenario(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.refresh()

    def audio_kind(self, line_id: str) -> str:
        """Where the line's sound would come from now: recorded, cached or none."""
        s = self.scenario
        line = s.lines.get(line_id) if s is not None else None
        if s is None or line is None:
            return "none"
        if not line.voice:
            return "shown"
        try:
            return self.kit.audio.resolve(s, line).kind
        except OSError:
            return "none"

    def refresh(self) -> None:
        s = self.scenario
        if s is None:
            return
        selected = self.selected_line()
        lines = defined_lines(s)
        self.table.setRowCount(len(lines))
        for row, ln in enumerate(lines):
            kind = self.audio_kind(ln.id)
            cells = (ln.id, line_emotion(s, ln) or "-", WORDS[kind], ln.text)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text if col != 0 else f"{ln.id} (line {ln.pos.line})")
                self.table.setItem(row, col, item)
            if ln.id == selected:
                self.table.selectRow(row)
        self.table.resizeColumnsToContents()

    def selected_line(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        return item.text() if item is not None else None

    def select_line(self, line_id: str) -> None:
        for row in range(self.table.rowCount()):
            if self._line_at(row) == line_id:
                self.table.selectRow(row)
                return

    def _line_at(self, row: int) -> str | None:
        item = self.table.item(row, 0)
        return item.text() if item is not None else None

    # -- hearing ----------------------------------------------------------------------------
    def hear(self, line_id: str | None) -> None:
        """Play one line in its voice and emotion (synthesising it first if need be)."""
        s = self.scenario
        line = s.lines.get(line_id) if s is not None and line_id else None
        if s is None or line is None:
            self.message.setText(
                self.tr("Choose a caller line to hear (in the list, the outline or the text).")
            )
            return
        self.stop()
        self.select_line(line.id)
        if not line.voice:
            self.message.setText(
                self.tr(
                    "{id} is only shown to the trainee (voice: false): nothing to hear."
                ).replace("{id}", line.id)
            )
            return
        self.message.setText(self.tr("Preparing {id}…").replace("{id}", line.id))
        audio = self.kit.audio

        def work(state: TaskState) -> AudioSource:
            return audio.ensure(s, line)

        def done(src: AudioSource) -> None:
            self._hear = None
            self._play(line.id, src)

        def failed(message: str) -> None:
            self._hear = None
            self.message.setText(
                self.tr("Could not make the voice for {id}: ").replace("{id}", line.id) + message
            )
            self.sig_line_heard.emit(line.id, "failed")

        self._hear = run_task(self._pool, work, parent=self, on_done=done, on_failed=failed)

    def _play(self, line_id: str, src: AudioSource) -> None:
        if src.path is None:
            self.sig_line_heard.emit(line_id, "failed")
            return
        self._token += 1
        token = self._token

        def on_done() -> None:  # on the player's thread
            try:
                self._sig_play_done.emit(token)
            except RuntimeError:  # the window has gone
                pass

        try:
            self.kit.player.play(src.path, on_done)
        except Exception as exc:  # sound must never take the studio down
            self.message.setText(self.tr("Sound failed: ") + f"{type(exc).__name__}: {exc}")
            self.sig_line_heard.emit(line_id, "failed")
            return
        sound = self.kit.status.sound and self.kit.status.speech
        words = self.tr("Playing {id} ({src})") if sound else self.tr("{id} ({src}); no sound here")
        self.message.setText(words.replace("{id}", line_id).replace("{src}", WORDS[src.kind]))
        self.refresh()
        self.sig_line_heard.emit(line_id, src.kind)

    @Slot(int)
    def _play_done(self, token: int) -> None:
        if token == self._token:
            self.message.setText(self.message.text().replace(self.tr("Playing"), self.tr("Played")))

    def stop(self) -> None:
        self._token += 1
        if self._hear is not None:
            self._hear.cancel()
            self._hear = None
        self.kit.player.stop()

    # -- rendering --------------------------------------------------------------------------
    def render_all(self) -> None:
        s = self.scenario
        if s is None or self._render is not None:
            return
        kit = self.kit
        self.progress.setRange(0, max(1, len(s.lines)))
        self.progress.setValue(0)
        self.render_button.setEnabled(False)
        self.cancel_button.setEnabled(True)

        def work(state: TaskState) -> RenderReport:
            return prerender(
                s, kit.synth, kit.cache, state.report, state.cancelled,
                audio_root=kit.audio.audio_root,
            )  # fmt: skip

        def progress(done: int, total: int) -> None:
            self.progress.setRange(0, max(1, total))
            self.progress.setValue(done)

        def finished(r: RenderReport) -> None:
            self._render_ended()
            text = self.tr("{n} lines: {r} rendered, {c} cached, {v} recorded, {f} failed.")
            for key, value in (("{n}", r.total), ("{r}", r.rendered), ("{c}", r.cached),
                               ("{v}", r.recorded), ("{f}", len(r.failed))):  # fmt: skip
                text = text.replace(key, str(value))
            self.message.setText(text)
            self.sig_render_finished.emit(r)

        def failed(message: str) -> None:
            self._render_ended()
            self.message.setText(self.tr("Rendering failed: ") + message)
            self.sig_render_finished.emit(None)

        self._render = run_task(
            self._pool, work, parent=self, on_done=finished, on_failed=failed, on_progress=progress
        )

    def cancel_render(self) -> None:
        if self._render is not None:
            self._render.cancel()
            self._render_ended()
            self.message.setText(self.tr("Rendering cancelled."))

    def _render_ended(self) -> None:
        self._render = None
        self.render_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.refresh()

    @property
    def busy(self) -> bool:
        return self._render is not None or self._hear is not None

    def shutdown(self) -> None:
        self.stop()
        if self._render is not None:
            self._render.cancel()
            self._render = None
