"""Shared helpers for the voice tests: a scenario built in code and a hand-cranked stream."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.scenario.model import Caller, Emotion, Line, Rubric, Scenario, Voice


def make_scenario(lines: list[Line] | None = None, sid: str = "test-call") -> Scenario:
    if lines is None:
        lines = [
            Line("open.1", "Hello? I need the police, please."),
            Line("open.2", "He's outside the house right now.", emotion="scared"),
            Line("g.disclose", "Wait, before you go, there's something else.", emotion="calm"),
        ]
    return Scenario(
        id=sid,
        title="Test call",
        start="opening",
        caller=Caller("Sam", Voice(rate=1.1, pitch=1, gender="female"), default_emotion="calm"),
        intents={},
        states={},
        rubric=Rubric(pass_mark=70, criteria=()),
        emotions={"scared": Emotion(rate=1.3, pitch=2, volume=1), "calm": Emotion()},
        lines={line.id: line for line in lines},
    )


@pytest.fixture
def scenario() -> Scenario:
    return make_scenario()


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never read the developer's CALLSIM_* settings or write to the real cache."""
    monkeypatch.delenv("CALLSIM_TTS", raising=False)
    monkeypatch.setenv("CALLSIM_CACHE_DIR", str(tmp_path / "user-cache"))


class ManualStream:
    """A fake RawOutputStream that plays only when the test calls `pump()`.

    Like PortAudio: the callback raising ends the stream and then `finished_callback`
    runs; `abort()` on an active stream also runs `finished_callback`.
    """

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.callback: Callable[..., None] = kwargs["callback"]
        self.finished_callback: Callable[[], None] = kwargs["finished_callback"]
        self.channels: int = kwargs["channels"]
        self.width = {"uint8": 1, "int16": 2, "int24": 3, "int32": 4}[kwargs["dtype"]]
        self.active = False
        self.closed = False
        self.written = bytearray()

    def start(self) -> None:
        self.active = True

    def pump(self, blocks: int = 1, frames: int = 512) -> None:
        for _ in range(blocks):
            if not self.active:
                return
            out = bytearray(frames * self.channels * self.width)
            try:
                self.callback(out, frames, None, None)
            except Exception:
                self.written += out
                self._finish()
                return
            self.written += out

    def _finish(self) -> None:
        if self.active:
            self.active = False
            self.finished_callback()

    def abort(self) -> None:
        self._finish()

    def close(self) -> None:
        self.active = False
        self.closed = True


class StreamRecorder:
    """A stream factory that keeps every stream it made."""

    def __init__(self, fail_with: BaseException | None = None) -> None:
        self.streams: list[ManualStream] = []
        self.fail_with = fail_with

    def __call__(self, **kwargs: Any) -> ManualStream:
        if self.fail_with is not None:
            raise self.fail_with
        stream = ManualStream(**kwargs)
        self.streams.append(stream)
        return stream

    @property
    def last(self) -> ManualStream:
        return self.streams[-1]


@pytest.fixture
def streams() -> Iterator[StreamRecorder]:
    yield StreamRecorder()


@pytest.fixture
def scenario_factory() -> Callable[..., Scenario]:
    return make_scenario


@pytest.fixture
def stream_recorder() -> type[StreamRecorder]:
    return StreamRecorder
