"""Voice benchmarks: pre-rendering a scenario (cold and cached) and "Enter to audio".

"Enter to audio" is the time from asking to play a cached caller line (resolve its audio,
read the WAV, open and start a stream) to the first callback of the output stream. The
stream is a fake that timestamps its first callback from its own thread, as PortAudio's
would, so the figure is callsim's own overhead; a real device adds its output latency
(typically 10-40 ms) on top.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.scenario.model import Caller, Emotion, Line, Rubric, Scenario, Voice
from app.voice.cache import AudioCache, LineAudio
from app.voice.choice import choose_synthesiser
from app.voice.player import SoundDevicePlayer
from app.voice.prerender import prerender
from app.voice.pyttsx3_synth import Pyttsx3Synth
from app.voice.synth import Synthesiser

ROOT = Path(__file__).resolve().parent.parent
RUNS = 50


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _scenario() -> Scenario:
    path = ROOT / "scenarios" / "misconduct-disclosure.yaml"
    try:
        from app.scenario.loader import load_scenario

        return load_scenario(path)
    except (ImportError, OSError):
        pass
    texts = [
        "Hello? I need to speak to someone about a police officer.",
        "He came round after the burglary. He was meant to be helping me.",
        "He's been sending me messages. Pictures. Things he shouldn't.",
        "I don't want to get anyone into trouble, I just want it to stop.",
        "Is that it? Wait, before you go, there's something else.",
    ]
    lines = {
        f"l.{i}": Line(f"l.{i}", t, emotion="upset" if i % 2 else None) for i, t in enumerate(texts)
    }
    return Scenario(
        id="bench-voice",
        title="Benchmark",
        start="s",
        caller=Caller("A", Voice(rate=1.05, gender="female")),
        intents={},
        states={},
        rubric=Rubric(pass_mark=0, criteria=()),
        emotions={"upset": Emotion(rate=0.95, pitch=1)},
        lines=lines,
    )


class _TimingStream:
    """A fake RawOutputStream: on start, its own thread runs the callback once, records when,
    then "plays" until aborted."""

    def __init__(self, on_first: Callable[[float], None], **kwargs: Any) -> None:
        self.callback = kwargs["callback"]
        self.frame_bytes = kwargs["channels"] * {"uint8": 1, "int16": 2}.get(kwargs["dtype"], 4)
        self.on_first = on_first
        self.aborted = threading.Event()
        self.thread: threading.Thread | None = None

    def _run(self) -> None:
        out = bytearray(256 * self.frame_bytes)
        try:
            self.callback(out, 256, None, None)
        except Exception:
            pass  # CallbackStop on a very short file
        self.on_first(time.perf_counter())
        self.aborted.wait(5)

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def abort(self) -> None:
        self.aborted.set()
        if self.thread is not None:
            self.thread.join(5)

    def close(self) -> None:
        self.aborted.set()


def _prerender_times(scenario: Scenario, synth: Synthesiser, root: Path) -> dict[str, Any]:
    cache = AudioCache(root)
    cold = prerender(scenario, synth, cache)
    cached = prerender(scenario, synth, cache)
    return {
        "cold_s": round(cold.seconds, 3),
        "cached_s": round(cached.seconds, 4),
        "failed": len(cold.failed),
    }


def _enter_to_audio(scenario: Scenario, audio: LineAudio) -> list[float]:
    first = threading.Event()
    stamp: list[float] = []

    def on_first(t: float) -> None:
        stamp.append(t)
        first.set()

    player = SoundDevicePlayer(lambda **kw: _TimingStream(on_first, **kw))
    lines = list(scenario.lines.values())
    latencies: list[float] = []
    for i in range(RUNS):
        line = lines[i % len(lines)]
        first.clear()
        stamp.clear()
        t0 = time.perf_counter()
        source = audio.resolve(scenario, line)
        if source.path is None:
            continue
        player.play(source.path)
        if first.wait(5):
            latencies.append((stamp[0] - t0) * 1000)
        player.stop()
    return latencies


def run() -> dict[str, Any]:
    scenario = _scenario()
    synth = choose_synthesiser()
    figures: dict[str, Any] = {"backend": synth.name, "lines": len(scenario.lines)}
    with tempfile.TemporaryDirectory(prefix="callsim-bench-voice-") as tmp:
        times = _prerender_times(scenario, synth, Path(tmp) / "main")
        figures["prerender_cold_s"] = times["cold_s"]
        figures["prerender_cached_s"] = times["cached_s"]
        figures["prerender_failed"] = times["failed"]
        latencies = _enter_to_audio(
            scenario, LineAudio(synth, AudioCache(Path(tmp) / "main"), None)
        )
        figures["enter_to_audio_p50_ms"] = round(_pct(latencies, 0.50), 2) if latencies else None
        figures["enter_to_audio_p95_ms"] = round(_pct(latencies, 0.95), 2) if latencies else None
        if synth.name != Pyttsx3Synth.name and Pyttsx3Synth.available():
            other = Pyttsx3Synth()
            try:
                start = time.perf_counter()
                other.start()
                figures["pyttsx3_worker_start_s"] = round(time.perf_counter() - start, 3)
                times = _prerender_times(scenario, other, Path(tmp) / "pyttsx3")
                figures["pyttsx3_prerender_cold_s"] = times["cold_s"]
            finally:
                other.close()
        close = getattr(synth, "close", None)
        if callable(close):
            close()
    return figures
