"""A sentence addressed by name to someone outside the call is said to a colleague: heard as
nothing, explained as such, while the same words said to the caller (or about someone the
caller named) are heard as usual."""

from __future__ import annotations

import pytest

from app.matching import Matcher
from app.matching.addressee import Addressee, first_names, people_in, sentences
from app.scenario.loader import load_scenario
from app.scenario.model import Intent
from app.services.catalog import build_matcher, scenario_people
from benchmarks.bench_matcher import SCENARIO

CALL = Addressee(["Jade Connolly", "chloe", "tracey"])


@pytest.mark.parametrize(
    ("sentence", "who"),
    [
        ("jen, what's the collar number of the officer on the desk", "jen"),
        ("jen whats the collar number of the officer on the desk", "jen"),
        ("lock the door on your way out of the quiet room, jen", "jen"),
        ("cheers dave, you're a star", "dave"),
        ("cheers dave", "dave"),
        ("bye everyone, see you tomorrow", "everyone"),
        ("Sarge - is there anyone free to go to Mill Lane?", "sarge"),
        ("right, Kev, don't delete the shared drive folder", "kev"),
    ],
)
def test_said_to_someone_outside_the_call(sentence: str, who: str) -> None:
    assert CALL.elsewhere(sentence) == who


@pytest.mark.parametrize(
    "sentence",
    [
        "Jade, is anyone hurt?",  # the caller
        "thanks Jade",
        "Chloe, is she ok?",  # someone the caller named
        "where's dave gone, is he still there",  # about someone, not to them
        "is it Dave who hit her",
        "has Dave got a knife",
        "dave's got a knife?",
        "ok, is anyone hurt",
        "thanks, bye",
        "will you stay on the line",  # names that are also words are not in the list
        "mark it down",
    ],
)
def test_said_to_the_caller_or_about_someone(sentence: str) -> None:
    assert CALL.elsewhere(sentence) is None


def test_the_list_leaves_out_names_that_are_words() -> None:
    names = first_names()
    assert {"dave", "jen", "chloe", "tracey"} <= names
    assert not {"will", "mark", "grace", "dawn", "may", "rose", "bill"} & names


def test_people_are_the_names_the_call_mentions() -> None:
    assert people_in(["Jade Connolly", "my mate Chloe and her mum Tracey", "the car"]) == {
        "jade",
        "chloe",
        "tracey",
    }
    assert scenario_people(load_scenario(SCENARIO)) == ("chloe", "jade", "tracey")


def test_sentences_keep_every_word() -> None:
    assert sentences("Thanks Jen. Jade, is anyone hurt?\nok") == [
        "Thanks Jen.",
        "Jade, is anyone hurt?",
        "ok",
    ]


INTENTS = (
    Intent(
        "ask_injuries",
        examples=(
            "is anyone hurt",
            "is anybody injured",
            "does anyone need an ambulance",
            "are you hurt",
            "has she been hurt",
            "any injuries",
            "is he injured",
            "is anyone bleeding",
        ),
    ),  # fmt: skip
    Intent(
        "advise_safety",
        examples=(
            "lock the door",
            "stay inside",
            "keep the door locked",
            "stay away from him",
            "go somewhere safe",
            "lock yourself in",
            "stay in the bedroom",
        ),
    ),  # fmt: skip
)


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(INTENTS, names=("Jade Connolly",), people=("chloe",))


def test_a_line_to_a_colleague_is_heard_as_nothing(matcher: Matcher) -> None:
    assert matcher.match("lock the door, jen").intents == ()
    assert matcher.match("Jade, lock the door").intents == ("advise_safety",)
    assert matcher.match("Chloe, is she hurt?").intents == ("ask_injuries",)


def test_only_the_sentence_to_the_colleague_is_dropped(matcher: Matcher) -> None:
    r = matcher.match("Cheers Jen. Jade, is anyone hurt?")
    assert r.intents == ("ask_injuries",)


def test_the_explanation_says_who_it_was_said_to(matcher: Matcher) -> None:
    e = matcher.explain("lock the door, jen")
    assert e.intents == ()
    assert [c.note for c in e.clauses] == [
        "said to Jen, not to anyone in the call: heard as nothing"
    ]
    assert e.clauses[0].candidates == ()


def test_the_product_matcher_knows_the_call_s_people() -> None:
    m = build_matcher(load_scenario(SCENARIO), cache_dir=None)
    assert m.match("jen what's the collar number of the officer on the desk").intents == ()
    assert "ask_officer_identity" in m.match("Jade, do you know his collar number?").intents
    assert "ask_injuries" in m.match("Chloe, is she hurt?").intents
