"""The worker's renderer against a fake pyttsx3 engine that behaves like espeak under load.

pyttsx3's espeak driver writes the WAV from espeak's own thread, then clears its "speaking"
state and only then says `finished-utterance`. On a loaded machine that thread can stall
between the two. A renderer that took "the file stopped growing" as the end of a line then
started the next line while the previous one was still finishing, and the late finish
silenced the new line: no file, and the render failed after its timeout (the random
`make test` failure of issue 14). The renderer must wait for the driver's own finish.
"""

from __future__ import annotations

import threading
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.voice.pyttsx3_worker import EngineRenderer
from app.voice.settings import pyttsx3_rate, sapi5_wpm
from app.voice.wav import BadAudio, verify_wav


def _write_wav(path: str, frames: int = 2205) -> None:
    with wave.open(path, "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(22050)
        f.writeframes(b"\x01\x00" * frames)


class StallingEngine:
    """A pyttsx3 engine whose finish for a line arrives late, the way a stalled espeak thread
    delivers it: after the file is complete, and never before `finish_late` lets it go (or the
    next line starts, which is the worst moment). A late finish that lands while a later line
    is being spoken silences that line, as the real driver's `_speaking = False` does."""

    driver_name = "espeak-like"

    def __init__(self) -> None:
        self._on_finished: Callable[..., None] | None = None
        self._pending: str | None = None
        self._late: threading.Timer | None = None
        self._lock = threading.Lock()
        self.lines_silenced = 0
        self.speaking: str | None = None  # the path of the line being spoken

    def connect(self, topic: str, cb: Callable[..., None]) -> None:
        assert topic == "finished-utterance"
        self._on_finished = cb

    def getProperty(self, name: str) -> Any:
        return []

    def setProperty(self, name: str, value: Any) -> None:
        pass

    def save_to_file(self, text: str, path: str) -> None:
        self._pending = path

    def _finish(self, path: str) -> None:
        with self._lock:
            if self.speaking is not None and self.speaking != path:
                self.lines_silenced += 1  # the stale finish ends the wrong line
                self.speaking = None
            elif self.speaking == path:
                self.speaking = None
        assert self._on_finished is not None
        self._on_finished(name=None, completed=True)

    def runAndWait(self) -> None:
        path, self._pending = self._pending, None
        assert path is not None
        with self._lock:
            self.speaking = path
        silenced_before = self.lines_silenced
        if self._late is not None:  # the previous line's finish is still on its way
            self._late.cancel()
            self._late.function(*self._late.args)
            self._late = None
        if self.lines_silenced > silenced_before:
            return  # this line was silenced: no file will ever come
        _write_wav(path)
        # The finish comes late: a timer stands in for the stalled espeak thread.
        self._late = threading.Timer(0.5, self._finish_once, args=(path,))
        self._late.start()

    def _finish_once(self, path: str) -> None:
        late, self._late = self._late, None
        if late is not None:
            self._finish(path)

    def close(self) -> None:
        if self._late is not None:
            self._late.cancel()


@pytest.fixture
def engine() -> Any:
    e = StallingEngine()
    yield e
    e.close()


def test_a_line_is_finished_only_when_the_driver_says_so(engine: Any, tmp_path: Path) -> None:
    renderer = EngineRenderer(engine, line_timeout=10.0)
    renderer.warm_up()
    for i in range(3):
        out = tmp_path / f"{i}.wav"
        renderer.render(f"Line {i}.", str(out), 1.0, 0, 0, "neutral")
        assert verify_wav(out) > 0
    assert engine.lines_silenced == 0


def test_a_driver_that_never_says_finished_still_gets_its_file_read(tmp_path: Path) -> None:
    class Silent(StallingEngine):
        def runAndWait(self) -> None:
            path, self._pending = self._pending, None
            assert path is not None
            _write_wav(path)

    renderer = EngineRenderer(Silent(), line_timeout=10.0, learn_timeout=0.2)
    renderer.warm_up()
    out = tmp_path / "x.wav"
    renderer.render("Hello.", str(out), 1.0, 0, 0, "neutral")
    assert verify_wav(out) > 0
    assert not renderer.signals_finish  # learnt at the warm-up: file size decides from now on


def test_no_file_at_all_is_an_error_at_the_deadline(tmp_path: Path) -> None:
    class Mute(StallingEngine):
        def runAndWait(self) -> None:
            self._pending = None

    renderer = EngineRenderer(Mute(), line_timeout=0.5)
    with pytest.raises(BadAudio, match="no complete WAV"):
        renderer.render("Hello.", str(tmp_path / "x.wav"), 1.0, 0, 0, "neutral")


class RecordingEngine(StallingEngine):
    """Keeps the properties the renderer sets, for a driver of the test's choosing."""

    def __init__(self, driver: str) -> None:
        super().__init__()
        self.driver_name = driver
        self.props: dict[str, Any] = {}

    def setProperty(self, name: str, value: Any) -> None:
        self.props[name] = value


@pytest.mark.parametrize("driver", ["sapi5", "nsss", "avspeech"])
def test_the_rate_reaches_each_driver_in_its_own_unit(driver: str) -> None:
    engine = RecordingEngine(driver)
    EngineRenderer(engine).apply(1.155, 0, 0, "female")
    assert engine.props["rate"] == pyttsx3_rate(driver, 1.155)
    assert engine.props["rate"] == {"sapi5": sapi5_wpm(1.155), "nsss": 155 * 1.155}.get(
        driver, 1.155
    )
