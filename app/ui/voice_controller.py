"""The caller's voice as the window uses it: pre-render a scenario in the background, then play
the caller's lines one after another, in order, and stop at once when the call is ended.

No rules here: the engine decides what the caller says (`caller_said` events); this only
turns those events into sound and tells the view when each line starts, so the caption
appears with its audio. A line with no audio (no engine, not rendered yet) is captioned at
once and the queue moves on: captions never wait for sound.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThreadPool, QTimer, Signal, Slot

from app.engine.events import Event
from app.scenario.model import Scenario
from app.ui.workers import TaskHandle, TaskState, run_task
from app.voice import RenderReport, VoiceKit, prerender


class VoiceController(QObject):
    sig_prepare_progressed = Signal(int, int)
    """Pre-rendering the open scenario: `done` of `total` lines ready."""

    sig_prepare_finished = Signal(object)
    """Pre-rendering ended; the argument is the `RenderReport` (failed lines play captioned)."""

    sig_line_started = Signal(object)
    """A caller line (its `caller_said` Event) starts now: show its caption."""

    sig_speaking_changed = Signal(bool)
    """The caller started (True) or stopped (False) being heard."""

    sig_notice_posted = Signal(str)
    """Something the trainee should know about the voice (shown non-modally)."""

    _sig_line_done = Signal(int)  # from the player's thread: playback `token` reached its end

    def __init__(self, kit: VoiceKit, pool: QThreadPool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.kit = kit
        self._pool = pool
        self._scenario: Scenario | None = None
        self._prepare: TaskHandle | None = None
        self._prepared_for: str | None = None
        self._queue: deque[Event] = deque()
        self._token = 0  # identifies the playback whose `on_done` we still want
        self._current: Event | None = None
        self._speaking = False
        self._pause = QTimer(self)  # a line's `pause_before`, interruptible by stop()
        self._pause.setSingleShot(True)
        self._pause.timeout.connect(self._play_current)
        # Queued even when on_done comes on this thread (a player that finishes at once).
        self._sig_line_done.connect(self._on_line_done, Qt.ConnectionType.QueuedConnection)

    # -- preparing ----------------------------------------------------------------------------
    def prepare(self, scenario: Scenario) -> None:
        """Render every line of `scenario` into the cache in the background (once per file)."""
        key = f"{scenario.id}:{scenario.sha256}"
        if self._prepared_for == key:
            return
        self.cancel_prepare()
        self._prepared_for = key
        audio_root = self.kit.audio.audio_root
        synth, cache = self.kit.synth, self.kit.cache

        def work(state: TaskState) -> RenderReport:
            return prerender(
                scenario, synth, cache, state.report, state.cancelled, audio_root=audio_root
            )

        def done(report: RenderReport) -> None:
            self._prepare = None
            if report.failed:
                self.sig_notice_posted.emit(
                    self.tr(
                        "The caller's voice could not be made for {n} lines: captions only."
                    ).replace("{n}", str(len(report.failed)))
                )
            self.sig_prepare_finished.emit(report)

        def failed(message: str) -> None:
            self._prepare = None
            self._prepared_for = None
            self.sig_notice_posted.emit(self.tr("Voice preparation failed: ") + message)
            self.sig_prepare_finished.emit(None)

        self._prepare = run_task(
            self._pool,
            work,
            parent=self,
            on_done=done,
            on_failed=failed,
            on_progress=self.sig_prepare_progressed.emit,
        )

    def cancel_prepare(self) -> None:
        if self._prepare is not None:
            self._prepare.cancel()
            self._prepare = None
        self._prepared_for = None

    @property
    def preparing(self) -> bool:
        return self._prepare is not None

    # -- playing ------------------------------------------------------------------------------
    def begin_call(self, scenario: Scenario) -> None:
        self.stop()
        self._scenario = scenario

    def enqueue(self, event: Event) -> None:
        """Queue a `caller_said` event; it plays after the lines already queued."""
        self._queue.append(event)
        if self._current is None:
            self._next()

    def stop(self) -> None:
        """Silence now and forget the queue (End call). Never reports the line as finished."""
        self._token += 1
        self._queue.clear()
        self._current = None
        self._pause.stop()
        self.kit.player.stop()
        self._set_speaking(False)

    @property
    def busy(self) -> bool:
        """A line is playing or waiting to play."""
        return self._current is not None or bool(self._queue)

    def _next(self) -> None:
        if not self._queue:
            self._current = None
            self._set_speaking(False)
            return
        self._current = self._queue.popleft()
        pause = float(self._pause_before(self._current))
        if pause > 0:
            self._pause.start(int(pause * 1000))
        else:
            self._play_current()

    def _pause_before(self, event: Event) -> float:
        if self._scenario is None:
            return 0.0
        line = self._scenario.lines.get(str(event.data.get("line_id", "")))
        return line.pause_before if line is not None else 0.0

    @Slot()
    def _play_current(self) -> None:
        event = self._current
        if event is None:
            return
        self._token += 1
        token = self._token
        path = self._audio_for(event)
        self.sig_line_started.emit(event)
        if path is None:
            self._set_speaking(False)
            self._sig_line_done.emit(token)  # captions only: move on
            return
        self._set_speaking(True)

        def on_done() -> None:  # on the player's thread: hand over to ours
            try:
                self._sig_line_done.emit(token)
            except RuntimeError:  # the window has gone
                pass

        try:
            self.kit.player.play(path, on_done)
        except Exception as exc:  # a player must never take the call down
            self.sig_notice_posted.emit(self.tr("Sound failed: ") + f"{type(exc).__name__}: {exc}")
            self._sig_line_done.emit(token)

    def _audio_for(self, event: Event) -> Path | None:
        if self._scenario is None:
            return None
        return self.kit.audio.playable(self._scenario, str(event.data.get("line_id", "")))

    @Slot(int)
    def _on_line_done(self, token: int) -> None:
        if token != self._token:
            return  # stopped or superseded since
        self._next()

    def _set_speaking(self, speaking: bool) -> None:
        if speaking != self._speaking:
            self._speaking = speaking
            self.sig_speaking_changed.emit(speaking)

    def shutdown(self) -> None:
        """Stop sound and background work (window closing)."""
        self.stop()
        self.cancel_prepare()
