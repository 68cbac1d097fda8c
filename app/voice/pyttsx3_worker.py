"""The child side of `Pyttsx3Synth`: one process that owns the one pyttsx3 engine.

Why a process of its own: pyttsx3's engine is a per-process singleton that hangs when two
threads use it, and on Linux its espeak driver runs espeak-ng asynchronously, which causes
every race in the design notes (all seen here with pyttsx3 2.99 and espeak-ng 1.51):

- `runAndWait()` returns before the WAV exists on the first call (the proxy starts "busy",
  so the loop ends before synthesis does): we wait for `finished-utterance`, then poll.
- `setProperty` is dropped: `runAndWait()` calls `espeak_Cancel()` while espeak is still
  busy, and that flushes the property commands still queued in espeak's FIFO (measured:
  80 of 150 renders at the wrong rate). `espeak_Synchronize()` after setting them, before
  rendering, brought that to 0 of 150.
- a queued `save_to_file` and a `say` share one file name slot: we never call `say`.
- macOS NSSpeech writes AIFF whatever the name says: converted to WAV here.
- the espeak driver writes the WAV, clears its "speaking" state, and only then says
  `finished-utterance`, all from espeak's thread. On a loaded machine that thread can stall
  between the two; a line taken as done when its file stopped growing let the next line start,
  and the late finish then silenced it (no file: the random failure of issue 14). So a line is
  done when the driver says so: finishes are counted, and line N waits for finish N.

Messages: the parent sends a dict per line (or None to stop); the child answers
("ready", driver) once, then ("ok", "") or ("error", why) per line.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from app.logs import setup_logging
from app.voice.settings import espeak_pitch, espeak_voice, pyttsx3_rate
from app.voice.wav import BadAudio, aiff_to_wav, is_aiff, verify_wav

POLL_S = 0.01  # how often to look for a late file (a pause in the engine process, not a test)
SETTLE_S = 0.3  # a file unchanged this long is taken as finished, for drivers that never say
SIGNALLING_DRIVERS = frozenset({"espeak", "sapi5", "nsss"})  # pyttsx3's; all send finishes
LOG_NAME = "voice-worker"  # its own file: two processes must not rotate one log file

_log = logging.getLogger(__name__)


def _voice_score(voice: Any, gender: str) -> int:
    """Prefer a British, then any English, voice of the wanted gender (SAPI5, NSSpeech)."""
    text = " ".join(
        [str(getattr(voice, "id", "")), str(getattr(voice, "name", ""))]
        + [str(x) for x in (getattr(voice, "languages", None) or [])]
    ).lower()
    score = 0
    if str(getattr(voice, "gender", "") or "").lower() == gender:
        score += 4
    if "en_gb" in text or "en-gb" in text or "british" in text or "uk" in text.split():
        score += 2
    if "en_" in text or "en-" in text or "english" in text:
        score += 1
    return score


class EngineRenderer:
    """Drives one pyttsx3 engine, one line at a time, waiting out its asynchrony."""

    def __init__(self, engine: Any, line_timeout: float = 15.0, learn_timeout: float = 5.0) -> None:
        self.engine = engine
        self.driver = str(getattr(engine, "driver_name", "") or "")
        self.line_timeout = line_timeout
        self.learn_timeout = learn_timeout  # the warm-up's wait for an unknown driver's finish
        self._done = threading.Condition()
        self._started = 0  # lines handed to the engine
        self._finished = 0  # finishes the driver has reported (they may come late)
        # Whether to wait for the driver's finish: known drivers always send one; any other
        # driver is trusted once the warm-up has seen it send one.
        self.signals_finish = self.driver in SIGNALLING_DRIVERS
        self._voices: dict[str, str | None] = {}
        engine.connect("finished-utterance", self._on_finished)

    def _on_finished(self, **_: Any) -> None:
        with self._done:
            self._finished += 1
            self._done.notify_all()

    def _pick_voice(self, gender: str) -> str | None:
        if gender not in self._voices:
            best: tuple[int, str | None] = (0, None)
            for v in self.engine.getProperty("voices") or []:
                score = _voice_score(v, gender)
                if score > best[0]:
                    best = (score, str(v.id))
            self._voices[gender] = best[1]
        return self._voices[gender]

    def apply(self, rate: float, pitch: int, volume: int, gender: str) -> None:
        e = self.engine
        if self.driver == "espeak":
            from pyttsx3.drivers import _espeak  # only importable where libespeak exists

            e.setProperty("voice", espeak_voice(gender))
            e.setProperty("rate", pyttsx3_rate(self.driver, rate))
            e.setProperty("volume", 1.0 + 0.1 * volume)  # espeak: 1.0 = 100 of 200
            e.setProperty("pitch", espeak_pitch(pitch))
            _espeak.Synchronize()  # let queued settings land before runAndWait can cancel them
            return
        voice = self._pick_voice(gender)
        if voice:
            e.setProperty("voice", voice)
        e.setProperty("rate", pyttsx3_rate(self.driver, rate))
        e.setProperty("volume", min(1.0, 0.8 + 0.04 * volume))  # SAPI5/NSSpeech top out at 1.0

    def render(
        self, text: str, path: str, rate: float, pitch: int, volume: int, gender: str
    ) -> None:
        """Render to `path` and return once it holds a complete WAV, else raise. `rate` is a
        multiplier of the pace (`VoiceSettings.rate`), mapped here to the driver's unit."""
        self._speak(text, path, rate, pitch, volume, gender)

    def _speak(
        self,
        text: str,
        path: str,
        rate: float,
        pitch: int,
        volume: int,
        gender: str,
        *,
        learning: bool = False,
    ) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
        self.apply(rate, pitch, volume, gender)
        self._started += 1
        self.engine.save_to_file(text, path)
        self.engine.runAndWait()
        self._wait_for_file(path, self._started, learning=learning)

    def _finished_line(self, line: int, timeout: float) -> bool:
        with self._done:
            return self._done.wait_for(lambda: self._finished >= line, timeout)

    def _wait_for_file(self, path: str, line: int, *, learning: bool = False) -> None:
        """Return once `path` is a complete WAV and the driver has finished line `line` (for
        a driver not known to send finishes, once the file has stopped growing); raise
        BadAudio at the deadline. While `learning`, an unknown driver gets a while after its
        file is complete (`learn_timeout`) to show that it sends finishes."""
        deadline = time.monotonic() + self.line_timeout
        last_size, stable_since = -1, time.monotonic()
        last: Exception | None = None
        complete_at: float | None = None
        while True:
            finished = self._finished_line(line, POLL_S)
            now = time.monotonic()
            if finished and not self.signals_finish:
                self.signals_finish = True
            if complete_at is not None:  # the file is complete: only the finish is awaited
                if finished or not (self.signals_finish or learning):
                    return
                if learning and not self.signals_finish and now - complete_at >= self.learn_timeout:
                    return  # this driver never says: settle on file size from now on
                if now >= deadline:
                    raise BadAudio(f"the engine did not finish within {self.line_timeout:g} s")
                continue
            try:
                size = os.path.getsize(path)
            except OSError:
                size = -1
            if size != last_size:
                last_size, stable_since = size, now
            if size > 0 and (finished or now - stable_since >= SETTLE_S):
                try:
                    if is_aiff(path):
                        aiff_to_wav(path, path + ".conv")
                        os.replace(path + ".conv", path)
                    verify_wav(path)
                    complete_at = now
                    continue
                except (BadAudio, OSError) as exc:
                    last = exc
            if now >= deadline:
                raise BadAudio(f"no complete WAV after {self.line_timeout:g} s: {last}")
            if finished:
                time.sleep(POLL_S)  # the condition no longer paces the loop

    def warm_up(self) -> None:
        """One throwaway render: the first `runAndWait` behaves differently from the rest."""
        with tempfile.TemporaryDirectory(prefix="callsim-tts-") as tmp:
            with contextlib.suppress(BadAudio):
                warm = str(Path(tmp) / "warm.wav")
                self._speak("Ready.", warm, 1.0, 0, 0, "neutral", learning=True)


def worker_main(conn: Connection, driver: str | None = None, log_dir: str | None = None) -> None:
    """Entry point of the worker process (must stay importable: 'spawn' pickles it by name).
    `log_dir`: the parent's log folder (None: the parent logs nowhere, nor does the child)."""
    # The espeak driver prints "Audio saved to ..." for every file.
    sys.stdout = open(os.devnull, "w")
    if log_dir is not None:
        setup_logging(Path(log_dir), name=LOG_NAME, faults=True)
    try:
        import pyttsx3

        renderer = EngineRenderer(pyttsx3.init(driver))
        renderer.warm_up()
    except Exception as exc:  # anything at all: the parent must hear why, not hang
        _log.exception("the speech engine (driver %s) did not start", driver or "default")
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", renderer.driver))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            return
        try:
            renderer.render(**request)
            conn.send(("ok", ""))
        except Exception as exc:
            _log.exception("rendering %r failed", request.get("text", "")[:60])
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
