"""The intent matcher on small in-test intents (no scenario file involved)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace

import pytest

from app.matching import DEFAULT_THRESHOLD, Matcher, MatchResult, format_explanation
from app.matching.features import PhraseIndex, compile_rule, negated, stem
from app.scenario.model import Intent, Pattern
from app.text.normalise import tokens

LOCATION = Intent(
    "ask_location",
    examples=(
        "where are you right now", "what's the address", "where does she live",
        "what's the postcode there", "which street is it", "where is this happening",
        "can you give me the address", "what road are you on", "where exactly are you",
        "whereabouts is the house",
    ),
    patterns=(Pattern(any=("address", "postcode")), Pattern(all=("where", "live"))),
    not_examples=("what's your email address", "my address book is full"),
)  # fmt: skip
INTENTS = (
    LOCATION,
    Intent(
        "ask_injuries",
        examples=(
            "is anyone hurt",
            "is anybody injured",
            "does anyone need an ambulance",
            "are you hurt at all",
            "any injuries",
            "is she bleeding",
            "has he been hurt",
            "does anybody need medical help",
            "are there any injuries",
            "is anyone injured",
        ),
    ),  # fmt: skip
    Intent(
        "ask_safe",
        examples=(
            "are you safe",
            "are you somewhere safe now",
            "are you in any danger",
            "are you safe where you are",
            "is he still near you",
            "are you out of danger",
            "do you feel safe right now",
            "is it safe where you are",
            "are you ok and safe",
        ),
    ),  # fmt: skip
    Intent(
        "close",
        examples=(
            "ok i'll let you go now",
            "right that's all i need",
            "bye for now",
            "goodbye",
            "i'm going to end the call now",
            "take care, bye",
            "that's everything, bye",
            "i'll leave it there",
            "ok that's all for now",
        ),
        patterns=(Pattern(any=("bye",)),),
        closing=True,
    ),  # fmt: skip
    Intent(
        "thank",
        examples=(
            "thank you for telling me",
            "thanks for letting us know",
            "thanks for calling",
            "thank you for ringing us",
            "i appreciate you calling",
            "thanks for reporting it",
            "thank you for that",
            "cheers for letting us know",
        ),
    ),  # fmt: skip
    Intent(
        "reassure",
        examples=(
            "this will be investigated",
            "i'll make sure it is looked into",
            "it will be looked at properly",
            "we'll look into this",
            "it'll be passed on",
            "someone will follow this up",
            "this will be taken seriously",
            "i'll make sure it gets investigated",
        ),
    ),  # fmt: skip
    Intent(
        "go_round",
        examples=(
            "go round there",
            "can you go next door",
            "go and check on her",
            "knock on the door",
            "could you go over and see",
            "go outside and look",
            "can you pop round to check",
            "go and talk to him",
            "go and have a look",
        ),
    ),  # fmt: skip
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
        ("is anyone hrut", ("ask_injuries",)),  # a typo the examples' words fix
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


def test_one_clause_gives_one_intent(matcher: Matcher) -> None:
    # "now" and "please" are left over after ask_location, but they are not a second intent
    assert matcher.match("where are you right now please").intents == ("ask_location",)


def test_negation_is_understood(matcher: Matcher) -> None:
    assert matcher.match("go round there").intents == ("go_round",)
    assert "go_round" not in matcher.match("don't go round there").intents
    assert "go_round" not in matcher.match("do not go next door").intents
    assert "go_round" not in matcher.match("never go round there").intents
    assert negated(tokens("please don't go round there")) == [
        False, False, False, True, True, True,
    ]  # fmt: skip
    assert negated(tokens("no need to knock")) == [False, True, True, True]


def test_not_example_holds_the_intent_back(matcher: Matcher) -> None:
    r = matcher.match("what's your email address")
    assert "ask_location" not in r.intents
    assert matcher.match("what's the address").intents == ("ask_location",)


def test_a_pattern_hit_alone_does_not_decide(matcher: Matcher) -> None:
    # "address" is a pattern of ask_location, but the sentence is about something else
    assert matcher.match("my address book is full again").intents == ()
    assert matcher.match("the email address field is broken").intents == ()
    # ...while the pattern still counts as evidence where the sentence agrees
    assert matcher.match("and what is the postcode").intents == ("ask_location",)


@pytest.mark.parametrize(
    "text",
    [
        "ok", "OK.", "one moment", "hold on", "sorry?", "mm hm", "right", "I see",
        "07700 900123", "the 3rd of June 1990", "John Smith", "Sarah", "good morning",
        "the weather is nice today", "my cat likes fish", "blah blah", "zzzz",
        "I've got a seriously bad cold", "the photos on my desk are of my kids",
    ],
)  # fmt: skip
def test_off_topic_lines_match_nothing(matcher: Matcher, text: str) -> None:
    assert matcher.match(text).intents == ()


def test_off_topic_lines_of_a_scenario_block() -> None:
    line = "are you safe to drive home after your shift"
    plain = Matcher(INTENTS)
    with_off = Matcher(INTENTS, off_topic=(line, "are you safe to cycle in this rain"))
    assert with_off.match(line).intents == ()
    assert with_off.match("are you safe").intents == ("ask_safe",)
    assert plain.match("are you safe").intents == ("ask_safe",)
    why = with_off.explain(line)
    blockers = [c.blocker for cl in why.clauses for c in cl.candidates if c.intent == "ask_safe"]
    assert blockers and blockers[0] is not None
    assert blockers[0].kind == "off-topic line" and blockers[0].text == line
    assert f'off-topic line "{line}"' in format_explanation(why)


def test_per_intent_threshold_is_honoured(matcher: Matcher) -> None:
    line = "has somebody been injured"
    p = matcher.match(line).scores["ask_injuries"]
    assert p < 0.99
    assert matcher.match(line).intents == ("ask_injuries",)
    strict = [replace(i, threshold=(p + 1) / 2) if i.id == "ask_injuries" else i for i in INTENTS]
    m = Matcher(strict)
    assert m.match(line).intents == ()
    assert m.explain(line).clauses[0].candidates[0].status == "below threshold"
    assert m.match("are you safe").intents == ("ask_safe",)  # other intents unchanged


def test_bands_and_unsure(matcher: Matcher) -> None:
    sure = matcher.match("is anyone hurt")
    assert sure.bands == {"ask_injuries": "confident"} and not sure.unsure
    assert MatchResult("x", (), {}, ()).bands == {} and not MatchResult("x", (), {}, ()).unsure
    # an intent heard below the confident bar is unsure, and so is the line
    line = "has somebody been injured"
    p = matcher.match(line).scores["ask_injuries"]
    m = Matcher(INTENTS, bars=replace(matcher.bars, confident=(p + 1) / 2))
    r = m.match(line)
    assert r.intents == ("ask_injuries",)
    assert r.bands == {"ask_injuries": "unsure"} and r.unsure


def test_patterns_match_whole_words_in_order() -> None:
    def hits(pattern: Pattern, text: str) -> bool:
        rule = compile_rule(0, pattern, lambda t: [stem(w) for w in tokens(t)])
        return bool(PhraseIndex([rule]).hits([stem(w) for w in tokens(text)]))

    bye = Pattern(any=("bye", "let you go"))
    assert hits(bye, "ok bye") and hits(bye, "BYE!")
    assert not hits(bye, "byelaws")  # "bye" is not in "byelaws"
    assert hits(bye, "i will let you go")  # a phrase: its words in a row
    assert not hits(bye, "let me know if you go")
    collar = Pattern(all=("collar", "number"))
    assert hits(collar, "his collar number") and hits(collar, "number on his collar")
    assert not hits(collar, "his collar")
    ordered = Pattern(all=("collar", "number"), ordered=True)
    assert hits(ordered, "his collar number") and not hits(ordered, "number on his collar")
    near = Pattern(all=("collar", "number"), near=1)
    assert hits(near, "collar and number") and not hits(near, "collar was on him, his number")


def test_a_pattern_only_intent_still_matches() -> None:
    m = Matcher([*INTENTS, Intent("collar", patterns=(Pattern(all=("collar", "number")),))])
    assert m.match("what's his collar number").intents == ("collar",)


def test_scores(matcher: Matcher) -> None:
    r = matcher.match("is anyone hurt and are you safe?")
    assert set(r.intents) <= set(r.scores)
    assert list(r.scores)[: len(r.intents)] == list(r.intents)
    assert r.scores["ask_injuries"] > 0.9
    for value in r.scores.values():
        assert 0.0 < value <= 1.0 and round(value, 3) == value


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
    with pytest.raises(ValueError, match="threshold of 'a'"):
        Matcher([Intent("a", ("x y",), threshold=1.5)])


def test_explain_lists_candidates_and_what_held_them_back(matcher: Matcher) -> None:
    e = matcher.explain("what's your email address")
    assert e.intents == ()
    top = e.clauses[0].candidates[0]
    assert top.intent == "ask_location" and top.status != "taken"
    assert top.blocker is not None and top.blocker.text == "what's your email address"
    text = format_explanation(e)
    assert "heard: nothing" in text and "ask_location" in text
    ok = matcher.explain("is anyone hurt, bye")
    assert ok.intents == ("ask_injuries", "close")
    assert [c.taken for c in ok.clauses] == [("ask_injuries",), ("close",)]
    assert "heard: ask_injuries (confident), close (confident)" in format_explanation(ok)


def test_cache_gives_the_same_matcher(tmp_path: os.PathLike[str]) -> None:
    from pathlib import Path

    cache = Path(tmp_path)
    first = Matcher(INTENTS, cache_dir=cache)
    assert not first.from_cache and len(list(cache.glob("matcher-*.npz"))) == 1
    again = Matcher(INTENTS, cache_dir=cache)
    assert again.from_cache
    lines = ["is anyone hurt and are you safe?", "whats the adress", "ok", "thank you bye"]
    assert [again.match(t) for t in lines] == [first.match(t) for t in lines]
    other = Matcher(INTENTS[:-1], cache_dir=cache)  # other intents: another key
    assert not other.from_cache and len(list(cache.glob("matcher-*.npz"))) == 2
    (next(cache.glob("matcher-*.npz"))).write_bytes(b"not a zip")  # a broken file: retrain
    assert Matcher(INTENTS, cache_dir=cache).match("is anyone hurt").intents


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
        "rs = [m.match(t) for t in lines]\n"
        "print(json.dumps([[r.intents, r.scores, r.clauses, r.bands] for r in rs]))\n"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    outputs = set()
    for seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": root}
        out = subprocess.run(
            [sys.executable, "-c", script], env=env, cwd=root, capture_output=True, text=True,
            check=True,
        )  # fmt: skip
        outputs.add(out.stdout)
    assert len(outputs) == 1
    assert json.loads(outputs.pop())[0][0] == ["ask_injuries", "ask_safe"]


def test_a_clause_of_function_words_alone_matches_nothing(matcher: Matcher) -> None:
    assert matcher.match("now").intents == ()
    assert matcher.match("so, right then").intents == ()
