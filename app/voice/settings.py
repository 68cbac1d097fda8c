"""How a caller sounds for one line: the scenario's voice combined with the line's emotion.

Kept separate from any engine so that the cache key, the silent stand-in and every backend
agree on one number for "how fast" and "how high"; each backend only maps these steps onto
its own units (see the `*_for` helpers below).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from app.engine.timing import speaking_rate
from app.scenario.model import Emotion, Line, Scenario, Voice

Gender = Literal["female", "male", "neutral"]

# Words per minute at rate 1.0. The headless clock assumes 150 wpm (docs/scenario-format.md);
# espeak-ng's own default is 175, and a caller at 160 sounds natural without running long.
BASE_WPM = 160
STEP_MIN, STEP_MAX = -5, 5


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
