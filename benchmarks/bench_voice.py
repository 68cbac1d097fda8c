"""Voice benchmarks: pre-rendering a scenario (cold and cached), "Enter to audio", and pace.

"Enter to audio" is the time from asking to play a cached caller line (resolve its audio,
read the WAV, open and start a stream) to the first callback of the output stream. The
stream is a fake that timestamps its first callback from its own thread, as PortAudio's
would, so the figure is callsim's own overhead; a real device adds its output latency
(typically 10-40 ms) on top.

Pace: each real engine installed renders every line of the built-in scenario as a call would
(its voice and each line's emotion), and once more at rate 1.0 with no emotion. Words a
minute are the words of the lines over the length of their audio (leading and trailing
silence included: the player plays it and the caller is busy for it). The estimate ratio is
the headless clock's `speech_seconds` over that audio: 1.0 means headless runs keep the time
a real call does (the target is about 160 wpm at rate 1.0, and a ratio of about 1.0).
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.engine.timing import speech_seconds
from app.scenario.model import Caller, Emotion, Line, Rubric, Scenario, Voice
from app.voice.cache import AudioCache, LineAudio
from app.voice.choice import choose_synthesiser
from app.voice.player import SoundDevicePlayer
from app.voice.prerender import prerender
from app.voice.pyttsx3_synth import Pyttsx3Synth
from app.voice.settings import VoiceSettings, resolve_voice, settings_for_line
from app.voice.synth import EspeakNgCommand, Synthesiser, render_verified

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


def _built_in() -> Scenario:
    """The scenario the app starts on (resources/product.toml), else the benchmark's own."""
    try:
        import tomllib

        from app.scenario.loader import load_scenario

        product = tomllib.loads((ROOT / "resources" / "product.toml").read_text("utf-8"))
        return load_scenario(ROOT / "scenarios" / f"{product['built_in_scenario']}.yaml")
    except (ImportError, OSError, KeyError):
        return _scenario()


class _Tally:
    """Words, audio and estimated seconds of a set of rendered lines."""

    def __init__(self) -> None:
        self.words = 0
        self.audio_s = 0.0
        self.estimate_s = 0.0
        self.lines = 0
        self.close = 0  # lines whose estimate is within 15% of their audio

    def add(self, text: str, rate: float, audio_s: float) -> None:
        estimate = speech_seconds(text, rate)
        self.words += len(text.split())
        self.audio_s += audio_s
        self.estimate_s += estimate
        self.lines += 1
        self.close += abs(estimate / audio_s - 1) <= 0.15

    @property
    def wpm(self) -> float:
        return round(60 * self.words / self.audio_s, 1) if self.audio_s else 0.0

    @property
    def ratio(self) -> float:
        return round(self.estimate_s / self.audio_s, 3) if self.audio_s else 0.0


def pace(scenario: Scenario, synth: Synthesiser, root: Path) -> dict[str, Any]:
    """Words a minute and the estimate/audio ratio of `scenario`'s lines rendered by `synth`:
    at rate 1.0 with no emotion; as a call says them (each line with its own emotion); and
    all of them in each emotion in turn (the same words, so only the emotion differs)."""
    root.mkdir(parents=True, exist_ok=True)
    lines = list(scenario.lines.values())
    voice = scenario.caller.voice
    palette: dict[str, VoiceSettings] = {"rate_1": VoiceSettings(gender=voice.gender)}
    palette.update({name: resolve_voice(voice, em) for name, em in scenario.emotions.items()})
    figures: dict[str, Any] = {}
    name = synth.name
    for label, settings in palette.items():
        tally = _Tally()
        for i, line in enumerate(lines):
            seconds = render_verified(synth, line.text, settings, root / f"{i}.wav")
            tally.add(line.text, settings.rate, seconds)
        suffix = label if label == "rate_1" else f"{label}_x{settings.rate:g}"
        figures[f"pace_{name}_wpm_{suffix}"] = tally.wpm
        figures[f"pace_{name}_estimate_ratio_{suffix}"] = tally.ratio
    called = _Tally()
    for i, line in enumerate(lines):
        settings = settings_for_line(scenario, line)
        called.add(
            line.text, settings.rate, render_verified(synth, line.text, settings, root / f"{i}.wav")
        )
    figures[f"pace_{name}_wpm_as_called"] = called.wpm
    figures[f"pace_{name}_estimate_ratio_as_called"] = called.ratio
    figures[f"pace_{name}_lines_estimated_within_15pct"] = round(called.close / called.lines, 3)
    return figures


def _pace_engines() -> list[Synthesiser]:
    """Every real engine installed here (the espeak-ng program, pyttsx3's platform engine)."""
    engines: list[Synthesiser] = []
    if EspeakNgCommand.available():
        engines.append(EspeakNgCommand())
    if Pyttsx3Synth.available():
        engines.append(Pyttsx3Synth())
    return engines


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
        built_in = _built_in()
        for engine in _pace_engines():
            try:
                figures.update(pace(built_in, engine, Path(tmp) / f"pace-{engine.name}"))
            finally:
                close = getattr(engine, "close", None)
                if callable(close):
                    close()
    return figures
