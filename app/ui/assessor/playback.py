"""The replay's play head: a position in seconds that moves while playing, at 1x or 2x.

Time comes from an injected clock (seconds, monotonic): a QTimer wakes `poll()` every
`tick_ms` while playing and the head moves by the clock's progress since the last poll. Tests
pass a clock that stands still and move the head with `tick(dt)`, so nothing sleeps.

The caller's voice follows the head: when playing carries it over the start of a caller line,
that line's audio plays (from the render cache; never synthesised on this thread), and any
line still sounding stops on pause, seek or a new line. With no sound card the player is
silent and the captions carry the call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from app.assessor.replay import TimelineItem
from app.scenario.model import Scenario
from app.voice import VoiceKit

Clock = Callable[[], float]
SPEEDS = (1.0, 2.0)


class ReplayPlayer(QObject):
    sig_position_changed = Signal(float)
    """The play head is now at this many seconds into the call."""

    sig_playing_changed = Signal(bool)
    """Playback started (True) or stopped (False), by the user or at the end of the call."""

    sig_line_reached = Signal(object)
    """Playing carried the head onto a caller line (its TimelineItem): its audio starts."""

    sig_notice_posted = Signal(str)
    """Something about sound the assessor may want to know (shown non-modally)."""

    def __init__(
        self,
        duration: float,
        clock: Clock,
        *,
        tick_ms: int = 40,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.duration = max(0.0, float(duration))
        self._clock = clock
        self._position = 0.0
        self._speed = 1.0
        self._last: float | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(max(1, int(tick_ms)))
        self._timer.timeout.connect(self.poll)
        self._lines: list[TimelineItem] = []
        self._voice: VoiceKit | None = None
        self._scenario: Scenario | None = None
        self._sound_failed = False

    # -- set-up -------------------------------------------------------------------------------
    def set_voice(
        self, voice: VoiceKit | None, scenario: Scenario | None, items: Sequence[TimelineItem]
    ) -> None:
        """Where the caller's lines are (and how to sound them: None keeps it silent)."""
        self._voice = voice
        self._scenario = scenario
        self._lines = [i for i in items if i.kind == "caller"]

    # -- state --------------------------------------------------------------------------------
    @property
    def position(self) -> float:
        return self._position

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    @property
    def speed(self) -> float:
        return self._speed

    def set_speed(self, speed: float) -> None:
        self._speed = speed if speed in SPEEDS else 1.0

    # -- control ------------------------------------------------------------------------------
    def play(self) -> None:
        if self.playing:
            return
        if self._position >= self.duration:
            self.seek(0.0)
        self._last = self._clock()
        self._timer.start()
        self.sig_playing_changed.emit(True)

    def pause(self) -> None:
        if not self.playing:
            return
        self._timer.stop()
        self._last = None
        self._silence()
        self.sig_playing_changed.emit(False)

    def toggle(self) -> None:
        self.pause() if self.playing else self.play()

    def seek(self, seconds: float) -> None:
        """Put the head at `seconds` (clamped to the call); sound stops, playing goes on."""
        seconds = min(max(0.0, float(seconds)), self.duration)
        self._silence()
        if self.playing:
            self._last = self._clock()
        if seconds != self._position:
            self._position = seconds
            self.sig_position_changed.emit(seconds)

    def poll(self) -> None:
        """Move the head by the clock's progress since the last poll (the timer's slot)."""
        now = self._clock()
        last, self._last = self._last, now
        if last is not None and now > last:
            self.tick(now - last)

    def tick(self, dt: float) -> None:
        """Move the head on by `dt` seconds of real time (times the speed) while playing."""
        if not self.playing or dt <= 0:
            return
        before = self._position
        after = min(self.duration, before + dt * self._speed)
        self._position = after
        crossed = [i for i in self._lines if before < i.t <= after]
        self.sig_position_changed.emit(after)
        if crossed:
            self._sound(crossed[-1])
        if after >= self.duration:
            self.pause()

    # -- sound --------------------------------------------------------------------------------
    def _sound(self, item: TimelineItem) -> None:
        self.sig_line_reached.emit(item)
        path = self._audio_for(item)
        if path is None or self._voice is None:
            return
        try:
            self._voice.player.stop()
            self._voice.player.play(path, None)
        except Exception as exc:  # no sound card, a busy device: captions carry the call
            if not self._sound_failed:
                self._sound_failed = True
                self.sig_notice_posted.emit(
                    self.tr("Sound failed (captions only): ") + f"{type(exc).__name__}: {exc}"
                )

    def _audio_for(self, item: TimelineItem) -> Path | None:
        """The cached or recorded audio of the line, if it is the very line that was played."""
        if self._voice is None or self._scenario is None:
            return None
        line_id = str(item.detail.get("line_id", ""))
        return self._voice.audio.playable(self._scenario, line_id, item.text)

    def _silence(self) -> None:
        if self._voice is not None:
            try:
                self._voice.player.stop()
            except Exception:  # stopping must never fail the replay
                pass

    def shutdown(self) -> None:
        self._timer.stop()
        self._silence()
