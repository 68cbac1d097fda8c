"""The caller's pace with a real speech engine: rate 1.0 is heard at a natural pace, a rate
of r sounds r times as fast, and the headless clock's estimate keeps the audio's time.

These measure what an engine renders (the length of its audio for a known text), not how
fast this machine is, so they hold on a loaded machine too. Skipped where no engine is
installed; `benchmarks/bench_voice.py` reports the same figures for every line.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.engine.timing import speech_seconds
from app.scenario.loader import load_scenario
from app.scenario.model import Line, Scenario
from app.voice.pyttsx3_synth import Pyttsx3Synth
from app.voice.settings import VoiceSettings, settings_for_line
from app.voice.synth import EspeakNgCommand, Synthesiser, render_verified

pytestmark = pytest.mark.tts

ROOT = Path(__file__).resolve().parents[2]
CEILING_S = 120.0  # against a hung engine only (see test_voice_tts_acceptance.py)


def built_in() -> Scenario:
    product = tomllib.loads((ROOT / "resources" / "product.toml").read_text("utf-8"))
    return load_scenario(ROOT / "scenarios" / f"{product['built_in_scenario']}.yaml")


SCENARIO = built_in()
LINES = list(SCENARIO.lines.values())[1::3]  # 15 lines, short and long, of every emotion


@pytest.fixture(scope="module", params=["espeak-ng", "pyttsx3"])
def engine(request: pytest.FixtureRequest) -> Iterator[Synthesiser]:
    if request.param == "espeak-ng":
        if not EspeakNgCommand.available():
            pytest.skip("espeak-ng is not installed")
        yield EspeakNgCommand()
        return
    if not Pyttsx3Synth.available():
        pytest.skip("pyttsx3 has no speech engine to drive here")
    synth = Pyttsx3Synth(timeout=CEILING_S, start_timeout=CEILING_S)
    yield synth
    synth.close()


@dataclass
class Pace:
    words: int
    audio_s: float
    estimate_s: float

    @property
    def wpm(self) -> float:
        return 60 * self.words / self.audio_s

    @property
    def estimate_over_audio(self) -> float:
        return self.estimate_s / self.audio_s


def measure(
    synth: Synthesiser, tmp: Path, lines: list[Line], settings: VoiceSettings | None = None
) -> Pace:
    """Render `lines` with `settings` (None: as the call says each, in its own emotion)."""
    pace = Pace(0, 0.0, 0.0)
    for i, line in enumerate(lines):
        said = settings or settings_for_line(SCENARIO, line)
        pace.audio_s += render_verified(synth, line.text, said, tmp / f"{i}.wav")
        pace.estimate_s += speech_seconds(line.text, said.rate)
        pace.words += len(line.text.split())
    return pace


def test_rate_1_is_heard_at_a_natural_pace_and_estimated_to_its_length(
    engine: Synthesiser, tmp_path: Path
) -> None:
    pace = measure(engine, tmp_path, LINES, VoiceSettings(gender=SCENARIO.caller.voice.gender))
    assert 140 <= pace.wpm <= 185, f"{engine.name}: {pace.wpm:.0f} words a minute"
    assert pace.estimate_over_audio == pytest.approx(1.0, abs=0.15)


def test_a_rate_sounds_that_many_times_as_fast_and_the_estimate_keeps_up(
    engine: Synthesiser, tmp_path: Path
) -> None:
    gender = SCENARIO.caller.voice.gender
    base = measure(engine, tmp_path, LINES, VoiceSettings(gender=gender))
    for rate in (0.75, 1.5):
        pace = measure(engine, tmp_path, LINES, VoiceSettings(rate=rate, gender=gender))
        assert pace.wpm / base.wpm == pytest.approx(rate, rel=0.04), f"{engine.name} at {rate}"
        assert pace.estimate_over_audio == pytest.approx(1.0, abs=0.15), f"at {rate}"


def test_the_estimate_keeps_the_time_of_a_call_in_its_emotions(
    engine: Synthesiser, tmp_path: Path
) -> None:
    pace = measure(engine, tmp_path, LINES)
    assert pace.estimate_over_audio == pytest.approx(1.0, abs=0.15)
