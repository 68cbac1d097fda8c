from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from app.engine.timing import WORDS_PER_MINUTE
from app.scenario.model import Emotion, Line, Scenario, Voice
from app.voice.settings import (
    BASE_WPM,
    VoiceSettings,
    espeak_amplitude,
    espeak_pitch,
    espeak_speed,
    espeak_voice,
    pyttsx3_rate,
    resolve_voice,
    sapi5_step,
    sapi5_wpm,
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
    assert espeak_speed(0.5) >= 80 and espeak_speed(2.0) <= 450  # espeak-ng's own range


RATES = [round(0.5 + 0.01 * i, 2) for i in range(151)]  # every rate a line can be said at


def test_rate_1_is_one_natural_pace_for_the_voice_and_the_clock() -> None:
    assert BASE_WPM == WORDS_PER_MINUTE and 150 <= BASE_WPM <= 170  # people on the phone
    assert VoiceSettings().wpm == BASE_WPM and VoiceSettings(rate=1.2).wpm == 186
    assert espeak_speed(1.0) == 155  # measured: espeak-ng's -s 155 is heard at 155 wpm
    assert sapi5_step(1.0) == 0  # the SAPI5 voice's own default rate
    assert pyttsx3_rate("nsss", 1.0) == BASE_WPM


def _espeak_heard(speed: int) -> float:
    """Words a minute heard from espeak-ng 1.51 at `-s speed`, as measured on the shipped
    scenarios' lines (docs/scenario-format.md, "The caller's voice and pace")."""
    return 155 * (speed / 155) ** 1.13


def test_espeak_speed_makes_a_rate_sound_that_many_times_as_fast() -> None:
    for rate in RATES:
        assert _espeak_heard(espeak_speed(rate)) == pytest.approx(BASE_WPM * rate, rel=0.01)
    speeds = [espeak_speed(r) for r in RATES]
    assert speeds == sorted(speeds)  # faster never comes out slower


def _pyttsx3_sapi5_step(wpm: float) -> int:
    """What pyttsx3 2.99's SAPI5 driver sets as the voice's Rate for a "rate" of `wpm`."""
    return int(math.log(wpm / 156.63, 1.11))


def test_sapi5_gets_the_nearest_rate_step_not_a_truncated_one() -> None:
    for rate in RATES:
        wanted = math.log(BASE_WPM * rate)
        nearest = min(range(-10, 11), key=lambda s: abs(math.log(156.63 * 1.11**s) - wanted))
        assert _pyttsx3_sapi5_step(sapi5_wpm(rate)) == sapi5_step(rate) == nearest, rate
    # The built-in caller's indignant lines (1.05 * 1.15): the plain words a minute would be
    # truncated to one step up, the same as the calmer "settled" lines at 1.05 x 1.0.
    assert _pyttsx3_sapi5_step(BASE_WPM * 1.208) == 1
    assert _pyttsx3_sapi5_step(sapi5_wpm(1.208)) == 2


def test_pyttsx3_rate_is_in_each_drivers_own_unit() -> None:
    assert pyttsx3_rate("espeak", 1.3) == espeak_speed(1.3) == 196
    assert pyttsx3_rate("sapi5", 1.3) == sapi5_wpm(1.3)
    assert pyttsx3_rate("nsss", 1.3) == pytest.approx(201.5)  # NSSpeech: words a minute
    assert pyttsx3_rate("avspeech", 1.3) == 1.3  # AVSpeech: a multiple of its default
