"""How a caller sounds for one line: the scenario's voice combined with the line's emotion.

Kept separate from any engine so that the cache key, the silent stand-in and every backend
agree on one number for "how fast" and "how high"; each backend only maps these steps onto
its own units (the `espeak_*`, `sapi5_*` and `pyttsx3_rate` helpers below). A rate is heard
at the same pace on every engine: rate 1.0 is `BASE_WPM` words a minute.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Literal

from app.engine.timing import WORDS_PER_MINUTE, speaking_rate, speech_seconds
from app.scenario.model import Emotion, Line, Scenario, Voice

Gender = Literal["female", "male", "neutral"]

# Words a minute heard at rate 1.0, on every engine: people on the phone speak at about
# 150-170. The headless clock is calibrated to the same pace (app/engine/timing.py).
BASE_WPM = WORDS_PER_MINUTE
STEP_MIN, STEP_MAX = -5, 5

# espeak-ng (its program's `-s`, and pyttsx3's espeak driver's "rate": one unit). Measured on
# the shipped scenarios' lines with espeak-ng 1.51: `-s 155` is heard at 155 words a minute,
# but the heard pace grows as `-s` to the power 1.13 (its pauses shrink faster than its
# words), so `-s` = 155 * rate ** (1 / 1.13) makes rate r sound r times as fast.
ESPEAK_SPEED_AT_1 = 155
ESPEAK_RATE_EXPONENT = 0.885
ESPEAK_SPEED_MIN, ESPEAK_SPEED_MAX = 80, 450  # espeak-ng's range (beyond 450 it changes method)

# SAPI5 through pyttsx3: pyttsx3 turns words a minute into SAPI's Rate step (-10..10, each
# about 11% faster) as int(log(wpm / 156.63, 1.11)), Rate 0 being the voice's own default.
# int() truncates towards 0: any wpm from 141 to 173 is step 0, and 187 wpm (1.2x), nearer
# step 2 (1.23x) than step 1 (1.11x), was set to step 1. We hand over the middle of the range
# that pyttsx3 maps to the nearest step instead (an unmeasured nominal scale: voices differ).
SAPI5_WPM_AT_0 = 156.63
SAPI5_STEP = 1.11
SAPI5_STEP_MIN, SAPI5_STEP_MAX = -10, 10


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


@dataclass(frozen=True)
class VoiceSettings:
    """Engine-neutral settings for one utterance.

    `rate` is a multiplier of `BASE_WPM`; `pitch` and `volume` are steps from -5 to 5 as in
    the scenario format. Frozen so that it can be a dict key and its `key()` never drifts.
    """

    rate: float = 1.0
    pitch: int = 0
    volume: int = 0
    gender: Gender = "neutral"

    def key(self) -> str:
        """A stable text form for cache keys: equal settings always give the same string."""
        return f"rate={self.rate:.3f};pitch={self.pitch:+d};volume={self.volume:+d};{self.gender}"

    @property
    def wpm(self) -> int:
        """The words a minute this rate is heard at (every engine is mapped onto it)."""
        return round(BASE_WPM * self.rate)


def resolve_voice(scenario_caller_voice: Voice, emotion: Emotion | None) -> VoiceSettings:
    """Combine the caller's voice with an emotion: rates multiply, steps add, all clamped.

    The rate is the one the headless clock estimates with (`speaking_rate`: rounded to three
    places, so that, e.g., 1.1 * 1.2 and 1.32 give one cache key).
    """
    voice = scenario_caller_voice
    if emotion is None:
        emotion = Emotion()
    rate = speaking_rate(voice.rate, emotion.rate)
    pitch = int(_clamp(voice.pitch + emotion.pitch, STEP_MIN, STEP_MAX))
    volume = int(_clamp(voice.volume + emotion.volume, STEP_MIN, STEP_MAX))
    return VoiceSettings(rate=rate, pitch=pitch, volume=volume, gender=voice.gender)


def settings_for_line(scenario: Scenario, line: Line) -> VoiceSettings:
    """The settings a line is spoken with: its emotion, else the caller's default emotion.

    An emotion name the scenario does not define is treated as none; the scenario checker,
    not the voice, is the place that reports it.
    """
    name = line.emotion or scenario.caller.default_emotion
    emotion = scenario.emotions.get(name) if name else None
    return resolve_voice(scenario.caller.voice, emotion)


def espeak_speed(rate: float) -> int:
    """espeak-ng's speed (`-s`, words a minute by its own measure) for `rate`."""
    speed = round(ESPEAK_SPEED_AT_1 * math.pow(max(rate, 0.1), ESPEAK_RATE_EXPONENT))
    return int(_clamp(speed, ESPEAK_SPEED_MIN, ESPEAK_SPEED_MAX))


def sapi5_step(rate: float) -> int:
    """The SAPI5 Rate step (-10..10) nearest to `rate` times the pace."""
    step = round(math.log(BASE_WPM * max(rate, 0.1) / SAPI5_WPM_AT_0, SAPI5_STEP))
    return int(_clamp(step, SAPI5_STEP_MIN, SAPI5_STEP_MAX))


def sapi5_wpm(rate: float) -> float:
    """The "rate" to give pyttsx3's SAPI5 driver so that it sets `sapi5_step(rate)`: the middle
    of that step's range, whatever way its int() rounds."""
    step = sapi5_step(rate)
    middle = step + (0.5 if step >= 0 else -0.5)
    return round(SAPI5_WPM_AT_0 * math.pow(SAPI5_STEP, middle), 2)


def pyttsx3_rate(driver: str, rate: float) -> float:
    """The value of pyttsx3's "rate" property for `rate`, in the driver's own unit.

    espeak: espeak-ng's speed (measured, above). sapi5: words a minute that land on the
    nearest Rate step. avspeech: a multiplier of the system's default rate. nsss (and any
    other): words a minute, which NSSpeechSynthesizer takes as such. The voices of SAPI5 and
    macOS each have their own default pace, which nothing here can measure: rate 1.0 is the
    pace above (SAPI5: the voice's default step), not a measured 155 words a minute.
    """
    if driver == "espeak":
        return espeak_speed(rate)
    if driver == "sapi5":
        return sapi5_wpm(rate)
    if driver == "avspeech":
        return rate
    return BASE_WPM * rate


@functools.cache
def pace_fingerprint() -> str:
    """The pace as the renders see it: each engine's speed and the silent stand-in's length at
    a few sample rates. Part of every cache key (`audio_hash`), so recalibrating re-renders
    every line instead of serving audio at the old pace under unchanged settings."""
    sample = "OK, it's 14 Mill Lane. Hurry!"
    points = [
        f"{espeak_speed(r)}/{sapi5_wpm(r)}/{pyttsx3_rate('nsss', r):g}/{speech_seconds(sample, r)}"
        for r in (0.5, 0.8, 1.0, 1.2, 1.5, 2.0)
    ]
    return "pace=" + ",".join(points)


def espeak_pitch(step: int) -> int:
    """espeak-ng pitch 0-99 (50 normal) from a step -5..5."""
    return int(_clamp(50 + 8 * step, 0, 99))


def espeak_amplitude(step: int) -> int:
    """espeak-ng amplitude 0-200 (100 normal) from a step -5..5; kept under clipping."""
    return int(_clamp(100 + 12 * step, 0, 200))


def espeak_voice(gender: str) -> str:
    """espeak-ng's British English voice (`en` = gmw/en) with a gendered variant.

    Not `en-gb+f3`: espeak-ng 1.51 resolves `en-gb` by language and then silently drops the
    `+variant`, so female, male and neutral came out byte-identical.
    """
    return {"female": "en+f3", "male": "en+m3"}.get(gender, "en")
