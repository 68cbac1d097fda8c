"""Playback behind one small interface: non-blocking `play`, instant `stop`.

As in Anki's audio players, `stop()` never fires `on_done`: "done" means the line was heard
to the end, which is what the call flow waits for; an interruption is the caller's choice
and they already know about it. `on_done` runs on an audio or timer thread, never the
caller's: a Qt view must pass it on with a signal.

`SoundDevicePlayer` streams the WAV's frames through a PortAudio callback (no numpy), and
falls back to keeping silent time when there is no device, so a call never stalls or crashes
for want of sound.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from app.voice.silent_player import Scheduler, SilentPlayer
from app.voice.wav import BadAudio, WavData, read_wav

_log = logging.getLogger(__name__)

DTYPES = {1: "uint8", 2: "int16", 3: "int24", 4: "int32"}  # WAV sample width -> PortAudio


class Player(Protocol):
    def play(self, path: Path, on_done: Callable[[], None] | None = None) -> None:
        """Start playing `path` (stopping anything playing) and return at once."""
        ...

    def stop(self) -> None:
        """Silence now. Never calls the `on_done` of what was playing."""
        ...

    def available(self) -> bool:
        """Whether this player can make sound (or keep silent time) on this machine."""
        ...


class OutputStream(Protocol):
    """The part of `sounddevice.RawOutputStream` we use; fakes implement just this."""

    def start(self) -> None: ...
    def abort(self) -> None: ...
    def close(self) -> None: ...


StreamFactory = Callable[..., OutputStream]


class _Stop(Exception):
    """Ends a stream when sounddevice (and its CallbackStop) cannot be imported."""


@dataclass(frozen=True)
class OutputProbe:
    ok: bool
    reason: str | None = None  # why not, for the notice
    hint: str | None = None  # what to install or check


def probe_sounddevice() -> OutputProbe:
    """Is there a PortAudio library and an output device? Never raises."""
    try:
        import sounddevice as sd
    except OSError:  # the wheel is there but libportaudio is not (Linux without the apt pkg)
        return OutputProbe(False, "PortAudio is not installed", _portaudio_hint())
    except ImportError:
        return OutputProbe(False, "sounddevice is not installed", "pip install sounddevice")
    try:
        sd.query_devices(kind="output")
    except (sd.PortAudioError, ValueError, OSError) as exc:
        return OutputProbe(False, f"no sound output device ({exc})", None)
    return OutputProbe(True)


def _assume_ok() -> OutputProbe:
    return OutputProbe(True)


def _portaudio_hint() -> str:
    return "On Debian/Ubuntu: sudo apt-get install libportaudio2"


def _sounddevice() -> Any | None:
    try:
        import sounddevice as sd
    except (OSError, ImportError):
        return None
    return sd


class _Playback:
    """One WAV being played: feeds the stream callback and decides whether to fire on_done."""

    def __init__(self, data: WavData, on_done: Callable[[], None] | None, stop_exc: type) -> None:
        self.frames = data.frames
        self.frame_size = data.frame_size
        self.silence = b"\x80" if data.sample_width == 1 else b"\x00"  # 8-bit WAV is unsigned
        self.pos = 0
        self.on_done = on_done
        self.stop_exc = stop_exc
        self.lock = threading.Lock()
        self.stopped = False
        self.fired = False

    def callback(self, outdata: Any, frames: int, time: Any, status: Any) -> None:
        want = frames * self.frame_size
        chunk = self.frames[self.pos : self.pos + want]
        self.pos += len(chunk)
        outdata[: len(chunk)] = chunk
        if len(chunk) < want:
            outdata[len(chunk) : want] = self.silence * (want - len(chunk))
            raise self.stop_exc

    def finished(self) -> None:
        with self.lock:
            if self.stopped or self.fired:
                return
            self.fired = True
        if self.on_done is not None:
            self.on_done()

    def cancel(self) -> None:
        with self.lock:
            self.stopped = True


class SoundDevicePlayer:
    """Plays WAVs through sounddevice's RawOutputStream; keeps silent time when it cannot.

    `stream_factory` (default `sounddevice.RawOutputStream`) and `probe` are injectable so
    tests and benchmarks can use a fake stream; a custom factory is assumed to work unless a
    probe says otherwise.
    """

    def __init__(
        self,
        stream_factory: StreamFactory | None = None,
        probe: Callable[[], OutputProbe] | None = None,
        fallback: Player | None = None,
        scheduler: Scheduler | None = None,
    ) -> None:
        self._factory = stream_factory
        self._probe = probe or (probe_sounddevice if stream_factory is None else _assume_ok)
        self.fallback: Player = fallback or SilentPlayer(scheduler)
        self._lock = threading.Lock()
        self._current: tuple[_Playback, OutputStream] | None = None
        self._state: OutputProbe | None = None
        self.last_error: str | None = None

    def available(self) -> bool:
        return self.probe().ok

    def probe(self) -> OutputProbe:
        if self._state is None:
            self._state = self._probe()
        return self._state

    def recheck(self) -> bool:
        """Look for a device again (e.g. after a headset was plugged in)."""
        self._state = None
        return self.available()

    def _make_stream(self, data: WavData, playback: _Playback) -> OutputStream:
        factory = self._factory
        if factory is None:
            sd = _sounddevice()
            if sd is None:
                raise OSError("sounddevice is unavailable")
            factory = sd.RawOutputStream
        return factory(
            samplerate=data.rate,
            channels=data.channels,
            dtype=DTYPES[data.sample_width],
            callback=playback.callback,
            finished_callback=playback.finished,
        )

    def play(self, path: Path, on_done: Callable[[], None] | None = None) -> None:
        self.stop()
        if not self.available():
            self.fallback.play(path, on_done)
            return
        try:
            data = read_wav(path)
            if data.sample_width not in DTYPES:
                raise BadAudio(f"{path}: {8 * data.sample_width}-bit samples")
        except BadAudio as exc:
            self.last_error = str(exc)
            self.fallback.play(path, on_done)  # fires on_done at once: the line is "over"
            return
        sd = _sounddevice()
        stop_exc: type = sd.CallbackStop if sd is not None else _Stop
        errors: tuple[type[BaseException], ...] = (OSError, ValueError, RuntimeError, _Stop)
        if sd is not None:
            errors += (sd.PortAudioError,)
        playback = _Playback(data, on_done, stop_exc)
        stream: OutputStream | None = None
        try:
            stream = self._make_stream(data, playback)
            with self._lock:
                self._current = (playback, stream)
            stream.start()
        except errors as exc:
            # The device went away or refuses this format: keep the call going silently.
            self.last_error = f"{type(exc).__name__}: {exc}"
            self._state = OutputProbe(False, f"sound output failed ({exc})", None)
            playback.cancel()
            with self._lock:
                self._current = None
            if stream is not None:
                _quietly_close(stream)
            self.fallback.play(path, on_done)

    def stop(self) -> None:
        with self._lock:
            current, self._current = self._current, None
        self.fallback.stop()
        if current is not None:
            playback, stream = current
            playback.cancel()  # before abort: abort runs finished_callback
            _quietly_close(stream)

    def close(self) -> None:
        self.stop()

    @property
    def playing(self) -> bool:
        current = self._current
        if current is not None and not current[0].fired:
            return True
        return bool(getattr(self.fallback, "playing", False))


def _quietly_close(stream: OutputStream) -> None:
    for step in (stream.abort, stream.close):
        try:
            step()
        except Exception:  # a dying device must not take the call down with it
            pass


class PlayerChoice(NamedTuple):
    player: Player
    notice: str | None  # for the user: what is missing and how to get sound


NO_SPEAKERS = "No speakers found: the caller will be shown as captions."


def choose_player(
    stream_factory: StreamFactory | None = None,
    scheduler: Scheduler | None = None,
    probe: Callable[[], OutputProbe] | None = None,
) -> PlayerChoice:
    """sounddevice when there is an output device, else a silent player and a notice in
    plain words (a trainee reads it); the technical reason and what to install go to the
    log, for whoever supports the machine."""
    player = SoundDevicePlayer(stream_factory, scheduler=scheduler, probe=probe)
    state = player.probe()
    if state.ok:
        return PlayerChoice(player, None)
    _log.warning(
        "no sound output: %s%s", state.reason or "unknown", f" ({state.hint})" if state.hint else ""
    )
    return PlayerChoice(SilentPlayer(scheduler), NO_SPEAKERS)
