from __future__ import annotations

from collections.abc import Callable

import pytest

from app.scenario.model import Emotion, Line, Scenario, Voice
from app.voice.settings import (
    VoiceSettings,
    espeak_amplitude,
    espeak_pitch,
    espeak_voice,
    resolve_voice,
    settings_for_line,
)


def test_rates_multiply_and_steps_add() -> None:
    got = resolve_voice(
        Voice(rate=1.1, pitch=1, volume=-1, gender="male"), Emotion(rate=1.2, pitch=2, volume=3)
    )
    assert got == VoiceSettings(rate=1.32, pitch=3, volume=2, gender="male")


def test_no_emotion_is_the_plain_voice() -> None:
    assert resolve_voice(Voice(rate=0.9, pitch=-2), None) == VoiceSettings(0.9, -2, 0, "neutral")


@pytest.mark.parametrize(
    ("voice", "emotion", "expected"),
    [
        (Voice(rate=1.8), Emotion(rate=1.5), VoiceSettings(rate=2.0)),
        (Voice(rate=0.6), Emotion(rate=0.5), VoiceSettings(rate=0.5)),
        (Voice(pitch=4, volume=-4), Emotion(pitch=3, volume=-3), VoiceSettings(1.0, 5, -5)),
        (Voice(pitch=-5, volume=5), Emotion(pitch=-5, volume=5), VoiceSettings(1.0, -5, 5)),
    ],
)
def test_results_are_clamped(voice: Voice, emotion: Emotion, expected: VoiceSettings) -> None:
    assert resolve_voice(voice, emotion) == expected


def test_equal_settings_by_different_routes_give_one_key() -> None:
    a = resolve_voice(Voice(rate=1.1), Emotion(rate=1.2))
    b = resolve_voice(Voice(rate=1.32), None)
    assert a.key() == b.key()
    assert a.key() != VoiceSettings(rate=1.32, gender="female").key()
    assert a.key() != VoiceSettings(rate=1.32, pitch=1).key()
    assert a.key() != VoiceSettings(rate=1.32, volume=-1).key()


def test_line_uses_its_emotion_else_the_callers_default(
    scenario_factory: Callable[..., Scenario],
) -> None:
    sc = scenario_factory()
    scared = settings_for_line(sc, sc.lines["open.2"])
    plain = settings_for_line(sc, sc.lines["open.1"])  # default_emotion "calm" = neutral
    assert scared == VoiceSettings(rate=1.43, pitch=3, volume=1, gender="female")
    assert plain == VoiceSettings(rate=1.1, pitch=1, volume=0, gender="female")
    unknown = settings_for_line(sc, Line("x", "Hi", emotion="no-such"))
    assert unknown == plain


def test_espeak_mappings_stay_in_range() -> None:
    assert espeak_pitch(0) == 50 and espeak_amplitude(0) == 100
    assert [espeak_pitch(s) for s in (-5, 5)] == [10, 90]
    assert all(0 <= espeak_amplitude(s) <= 200 for s in range(-5, 6))
    assert espeak_pitch(-5) < espeak_pitch(0) < espeak_pitch(5)
    assert espeak_voice("female") == "en+f3" and espeak_voice("male") == "en+m3"
    assert VoiceSettings(rate=0.5).wpm == 80  # espeak-ng's minimum
