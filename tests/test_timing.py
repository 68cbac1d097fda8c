"""The headless clock's estimate of how long a line takes to say (app/engine/timing.py).

It is a pure function of the text and the rate, so a headless run keeps the same time on
every machine; it is calibrated to the voice's pace (bench_voice measures it against real
audio, tests/voice/test_voice_pace.py checks it where an engine is installed).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.engine.timing import WORDS_PER_MINUTE, speaking_rate, speech_seconds
from app.scenario.loader import load_scenario

SHIPPED = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))


def test_a_line_takes_the_same_time_on_every_machine() -> None:
    # Pinned: changing it changes every headless timing (see docs, "Timing in headless runs").
    assert speech_seconds("OK, it's 14 Mill Lane. Hurry!") == 3.082
    assert speech_seconds("OK, it's 14 Mill Lane. Hurry!", 1.155) == 2.668


def test_the_estimate_speaks_at_the_voices_pace() -> None:
    words = seconds = 0.0
    for path in SHIPPED:
        for line in load_scenario(path).lines.values():
            words += len(line.text.split())
            seconds += speech_seconds(line.text)
    assert 60 * words / seconds == pytest.approx(WORDS_PER_MINUTE, rel=0.05)


def test_pauses_at_the_ends_of_sentences_and_clauses_take_time() -> None:
    assert speech_seconds("Sorry? What?") > speech_seconds("Sorry what") + 0.8
    assert speech_seconds("Yes, no; maybe: later") > speech_seconds("Yes no maybe later") + 1
    assert speech_seconds("He's outside - now.") > speech_seconds("He's outside now.")
    assert speech_seconds("I'm... you know.") > speech_seconds("I'm you know.")
    assert speech_seconds('She said "go."') == speech_seconds("She said go.")
    # no pause inside a word or a number
    assert speech_seconds("a cul-de-sac") == speech_seconds("a culdesac")
    assert speech_seconds("1.5 miles") == speech_seconds("15 miles")


def test_numbers_and_letters_said_by_name_take_longer_than_their_characters() -> None:
    assert speech_seconds("number 14") > speech_seconds("number ab")
    assert speech_seconds("It's KM4 2RT") > speech_seconds("It's kmx xrt")
    assert speech_seconds("OK, OK.") > speech_seconds("ok, ok.")
    assert speech_seconds("I am here") == speech_seconds("i am here")  # one capital: a word


def test_long_words_take_longer_than_short_ones() -> None:
    assert speech_seconds("Unfortunately.") > speech_seconds("Bye.") + 0.5


def test_even_a_murmur_takes_half_a_second_and_rate_divides_it_all() -> None:
    assert speech_seconds("") == speech_seconds("Hm") == 0.5
    assert speech_seconds("Hm", 2.0) == 0.25
    text = "I think he has gone round the back of the flats, I'm not sure."
    assert speech_seconds(text, 1.25) == pytest.approx(speech_seconds(text) / 1.25, abs=0.001)


def test_the_speaking_rate_multiplies_and_stays_sayable() -> None:
    assert speaking_rate(1.1, 1.2) == speaking_rate(1.32) == 1.32
    assert speaking_rate(1.05, 1.1) == 1.155  # rounded: one rate, one cache key
    assert speaking_rate(3.0, 3.0) == 2.0 and speaking_rate(0.3, 0.3) == 0.5
