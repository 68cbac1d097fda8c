"""The intent matcher on small in-test intents (no scenario file involved)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from app.matching import DEFAULT_THRESHOLD, Matcher, MatchResult
from app.scenario.model import Intent, Pattern

LOCATION = Intent(
    "ask_location",
    examples=("where are you right now", "what's the address", "where does she live"),
    patterns=(Pattern(any=("address", "postcode")), Pattern(all=("where", "live"))),
    not_examples=("what's your email address",),
)
INTENTS = (
    LOCATION,
    Intent(
        "ask_injuries",
        examples=("is anyone hurt", "is anybody injured", "does anyone need an ambulance"),
    ),
    Intent(
        "ask_safe", examples=("are you safe", "are you somewhere safe now", "are you in any danger")
    ),
    Intent(
        "close",
        examples=("ok i'll let you go now", "right that's all i need"),
        patterns=(Pattern(any=("bye",)),),
        closing=True,
    ),
    Intent("thank", examples=("thank you for telling me", "thanks for letting us know")),
    Intent("reassure", examples=("this will be investigated", "i'll make sure it is looked into")),
)


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(INTENTS)


@pytest.mark.parametrize(
    ("text", "intents"),
    [
        ("whats the adress?", ("ask_location",)),
        ("WHERE R U NOW", ("ask_location",)),
        ("is any1 hurted", ("ask_injuries",)),
        ("r u safe", ("ask_safe",)),
        ("ok bye", ("close",)),
        ("thx for telling me", ("thank",)),
        ("it'll be investigated", ("reassure",)),
    ],
)
def test_single_intents(matcher: Matcher, text: str, intents: tuple[str, ...]) -> None:
    assert matcher.match(text).intents == intents


def test_one_line_carries_several_intents_in_clause_order(matcher: Matcher) -> None:
    r = matcher.match("is anyone hurt and are you safe?")
    assert r.intents == ("ask_injuries", "ask_safe")
    assert r.clauses == ("is anyone hurt", "are you safe")
    assert matcher.match("are you safe? is anyone hurt").intents == ("ask_safe", "ask_injuries")
    three = matcher.match("Are you safe, is anyone injured, and what's the postcode?")
    assert three.intents == ("ask_safe", "ask_injuries", "ask_location")


def test_leftover_words_of_a_clause_are_matched_again(matcher: Matcher) -> None:
    # no punctuation, no joining word, no pattern: the second intent is found in the words
    # the first one did not explain
    r = matcher.match("thank you for telling me this will be investigated")
    assert r.intents == ("thank", "reassure")
    assert len(r.clauses) == 1


def test_leftovers_need_enough_content(matcher: Matcher) -> None:
    # "now" and "right" are left over after ask_location, but they are not a second intent
    assert matcher.match("where are you right now please").intents == ("ask_location",)


def test_every_pattern_hit_in_a_clause_counts(matcher: Matcher) -> None:
    assert set(matcher.match("what's the postcode bye").intents) == {"ask_location", "close"}


def test_not_example_blocks_the_intent(matcher: Matcher) -> None:
    r = matcher.match("what's your email address")
    assert "ask_location" not in r.intents
    assert r.intents == ()
    # the same line matches through the pattern when the intent has no `not` example...
    without_not = Matcher([Intent("ask_location", LOCATION.examples, LOCATION.patterns)])
    assert without_not.match("what's your email address").intents == ("ask_location",)
    # ...and the `not` example blocks only lines closer to it than to the examples
    assert matcher.match("what's the address").intents == ("ask_location",)


@pytest.mark.parametrize(
    "text",
    [
        "ok",
        "OK.",
        "one moment",
        "hold on",
        "can you repeat that",
        "can you spell that for me",
        "sorry?",
        "mm hm",
        "right",
        "I see",
        "07700 900123",
        "the 3rd of June 1990",
        "John Smith",
        "Sarah",
        "good morning",
    ],
)
def test_off_topic_lines_match_nothing(matcher: Matcher, text: str) -> None:
    assert matcher.match(text).intents == ()


def test_a_none_phrase_beats_an_intent_it_resembles() -> None:
    hear = Intent("ask_hear", examples=("can you hear her now",))
    m = Matcher((*INTENTS, hear))
    r = m.match("can you hear me")  # a shipped none-phrase
    assert r.scores["ask_hear"] >= DEFAULT_THRESHOLD  # similar enough to pass the threshold...
    assert r.intents == ()  # ...but closer to "can you hear me" in the none list
    assert m.match("can you hear her").intents == ("ask_hear",)


def test_below_the_threshold_there_is_no_guess(matcher: Matcher) -> None:
    for text in ["the weather is nice today", "my cat likes fish", "blah blah", "zzzz"]:
        assert matcher.match(text).intents == ()
    strict = Matcher(INTENTS, threshold=0.99)
    assert matcher.match("is anybody hurt").intents == ("ask_injuries",)
    assert strict.match("is anybody hurt").intents == ()
    assert strict.match("is anyone hurt").intents == ("ask_injuries",)  # an example, exactly


def test_patterns_match_whole_words() -> None:
    only_patterns = Matcher(
        [
            Intent("collar", patterns=(Pattern(all=("collar", "number")),)),
            Intent("close", patterns=(Pattern(any=("bye", "let you go")),)),
        ]
    )

    def found(text: str) -> tuple[str, ...]:
        return only_patterns.match(text).intents

    assert found("ok bye") == ("close",)
    assert found("BYE!") == ("close",)
    assert found("byelaws") == ()  # "bye" is not in "byelaws"
    assert found("i will let you go") == ("close",)  # a phrase: its words in a row
    assert found("let me know if you go") == ()
    assert found("his collar number") == ("collar",)
    assert found("number on his collar") == ("collar",)  # all: every word, any order
    assert found("his collar") == ()


def test_scores(matcher: Matcher) -> None:
    r = matcher.match("is anyone hurt and are you safe?")
    assert set(r.intents) <= set(r.scores)
    assert r.scores["ask_injuries"] == 1.0
    assert list(r.scores)[: len(r.intents)] == list(r.intents)
    for value in r.scores.values():
        assert 0.25 <= value <= 1.0 and round(value, 3) == value


def test_result_shape_and_empty_text(matcher: Matcher) -> None:
    r = matcher.match("  ")
    assert r == MatchResult("  ", (), {}, ())
    assert isinstance(matcher.match("ok").clauses, tuple)
    assert 0.0 < DEFAULT_THRESHOLD < 1.0


def test_bad_construction() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        Matcher([Intent("a", ("x y",)), Intent("a", ("z",))])
    with pytest.raises(ValueError, match="threshold"):
        Matcher(INTENTS, threshold=0.0)


def test_same_input_same_output(matcher: Matcher) -> None:
    lines = ["is anyone hurt and are you safe?", "whats the adress", "ok", "thank you bye"]
    first = [matcher.match(t) for t in lines]
    assert [Matcher(INTENTS).match(t) for t in lines] == first
    assert [matcher.match(t) for t in lines] == first


def test_output_does_not_depend_on_the_hash_seed() -> None:
    script = (
        "import json\n"
        "from app.matching import Matcher\n"
        "from tests.test_matching_matcher import INTENTS\n"
        "m = Matcher(INTENTS)\n"
        "lines = ['is anyone hurt and are you safe?', 'whats the adress', 'hmm where',\n"
        "         'thank you for telling me this will be investigated', 'are u ok there']\n"
        "print(json.dumps([[r.intents, r.scores, r.clauses] for r in map(m.match, lines)]))\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": root}
        out = subprocess.run(
            [sys.executable, "-c", script], env=env, cwd=root, capture_output=True, text=True,
            check=True,
        )  # fmt: skip
        outputs.add(out.stdout)
    assert len(outputs) == 1
    assert json.loads(outputs.pop())[0][0] == ["ask_injuries", "ask_safe"]


def test_a_clause_of_function_words_alone_matches_nothing_by_similarity() -> None:
    from app.scenario.model import Intent

    m = Matcher([Intent("close", examples=("goodbye for now", "that's all for now"))])
    assert m.match("now").intents == ()
    assert m.match("Now, going back to your house").intents == ()
    assert m.match("that's all for now, goodbye").intents == ("close",)
