"""The matcher on the built-in scenario: the labelled lines, a held-out set, and the rules
that keep the benchmark honest (labelled lines are never intent examples)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.matching import Matcher, normalise
from app.scenario.loader import load_scenario
from benchmarks.bench_matcher import LABELLED, SCENARIO, evaluate, load_labelled, run

CONTRACT_INTENTS = {
    "ask_what_happened", "ask_injuries", "ask_caller_safe", "ask_location", "ask_people_involved",
    "advise_attendance", "mention_linked_report", "attempt_close", "confirm_officer",
    "ask_officer_identity", "ask_allegation_details", "acknowledge_seriousness",
    "reassure_investigation", "thank_caller", "ask_caller_details",
}  # fmt: skip

# Written after the scenario's intents were tuned and never tuned against: a check that the
# examples generalise beyond the labelled file.
HELD_OUT: list[tuple[str, set[str]]] = [
    ("hi police, whats up", {"ask_what_happened"}),
    ("what's she done?", {"ask_what_happened"}),
    ("how bad is the fight", {"ask_what_happened"}),
    ("what started it", {"ask_what_happened"}),
    ("is there any blood", {"ask_injuries"}),
    ("does anyone need to go to hospital", {"ask_injuries"}),
    ("has anyone got hurt", {"ask_injuries"}),
    ("r u injured", {"ask_injuries"}),
    ("are you safe from them now", {"ask_caller_safe"}),
    ("is there any danger to you", {"ask_caller_safe"}),
    ("are you ok there", {"ask_caller_safe"}),
    ("where is the fight happening", {"ask_location"}),
    ("what's the address of the house", {"ask_location"}),
    ("postcode?", {"ask_location"}),
    ("where are you at the moment", {"ask_location"}),
    ("who's there", {"ask_people_involved"}),
    ("how many of them are there", {"ask_people_involved"}),
    ("are there any children present", {"ask_people_involved"}),
    ("officers will be with them soon", {"advise_attendance"}),
    ("we're sending officers now", {"advise_attendance"}),
    ("I'll get someone round to them", {"advise_attendance"}),
    ("we've already had a report from next door", {"mention_linked_report"}),
    ("the neighbours have rung about it already", {"mention_linked_report"}),
    ("right I'll have to go now", {"attempt_close"}),
    ("that's all, take care", {"attempt_close"}),
    ("you're sure he's police?", {"confirm_officer"}),
    ("was he a real police officer", {"confirm_officer"}),
    ("are you 100% sure it was an officer", {"confirm_officer"}),
    ("do you know what his name is", {"ask_officer_identity"}),
    ("any idea which officer", {"ask_officer_identity"}),
    ("what were the pictures", {"ask_allegation_details"}),
    ("when did he send her these", {"ask_allegation_details"}),
    ("how did he message her", {"ask_allegation_details"}),
    ("has she kept the messages", {"ask_allegation_details"}),
    ("that's really not right", {"acknowledge_seriousness"}),
    ("that's very worrying", {"acknowledge_seriousness"}),
    ("I'll make sure this is passed on", {"reassure_investigation"}),
    ("it'll be investigated", {"reassure_investigation"}),
    ("we'll look into this", {"reassure_investigation"}),
    ("thanks for ringing us", {"thank_caller"}),
    ("thank you for that", {"thank_caller"}),
    ("I'm grateful you told us", {"thank_caller"}),
    ("what's ur number", {"ask_caller_details"}),
    ("could i have your name please", {"ask_caller_details"}),
    ("what's a good number for you", {"ask_caller_details"}),
    ("is anyone hurt? what's the postcode?", {"ask_injuries", "ask_location"}),
    ("r u safe and who else is there", {"ask_caller_safe", "ask_people_involved"}),
    (
        "thank you, this will be looked at, goodbye",
        {"thank_caller", "reassure_investigation", "attempt_close"},
    ),
    (
        "that's serious. are you sure he's an officer?",
        {"acknowledge_seriousness", "confirm_officer"},
    ),
    ("just a moment please", set()),
    ("how do you spell Mill", set()),
    ("ok one sec", set()),
    ("yeah", set()),
    ("hmm ok", set()),
    ("sorry I missed that", set()),
    ("oh right", set()),
    ("16", set()),
    ("Kayleigh Brown", set()),
    ("that's k a y", set()),
    ("ten past nine", set()),
    ("what?", set()),
    ("go on", set()),
    ("right yes", set()),
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_scenario(SCENARIO).intents.values())


def test_labelled_file_is_big_and_varied() -> None:
    labelled = load_labelled()
    assert len(labelled) >= 170
    assert sum(1 for x in labelled if not x.intents) >= 30
    assert sum(1 for x in labelled if len(x.intents) >= 2) >= 25
    seen = {i for x in labelled for i in x.intents}
    assert CONTRACT_INTENTS <= seen
    assert len({x.text for x in labelled}) == len(labelled)


def test_labelled_ids_exist_in_the_scenario() -> None:
    scenario = load_scenario(SCENARIO)
    assert CONTRACT_INTENTS <= set(scenario.intents)
    assert scenario.intents["attempt_close"].closing
    for item in load_labelled():
        assert item.intents <= set(scenario.intents), item.text


def test_labelled_lines_are_not_examples() -> None:
    scenario = load_scenario(SCENARIO)
    examples = {normalise(e) for i in scenario.intents.values() for e in i.examples}
    for text in [x.text for x in load_labelled()] + [t for t, _ in HELD_OUT]:
        assert normalise(text) not in examples, text


def test_accuracy_floor_on_the_labelled_lines(matcher: Matcher) -> None:
    figures = evaluate(matcher, load_labelled())
    assert figures["exact_set_accuracy"] >= 0.85
    assert figures["offtopic_false_match_rate"] <= 0.10
    assert figures["macro_f1"] >= 0.85


def test_accuracy_floor_on_held_out_lines(matcher: Matcher) -> None:
    exact = sum(set(matcher.match(text).intents) == want for text, want in HELD_OUT)
    assert exact / len(HELD_OUT) >= 0.8
    off = [text for text, want in HELD_OUT if not want]
    assert sum(bool(matcher.match(text).intents) for text in off) / len(off) <= 0.1


def test_bench_run_reports_every_figure() -> None:
    figures = run()
    assert set(figures) == {
        "matcher_p50_ms", "matcher_p95_ms", "exact_set_accuracy", "macro_f1",
        "offtopic_false_match_rate", "n_utterances",
    }  # fmt: skip
    assert figures["n_utterances"] == len(load_labelled())
    assert 0 < figures["matcher_p50_ms"] <= figures["matcher_p95_ms"]


def test_matching_code_has_no_scenario_rules() -> None:
    scenario = load_scenario(SCENARIO)
    code = Path(__file__).resolve().parent.parent / "app" / "matching"
    words = re.compile("|".join(sorted(scenario.intents)))
    for path in sorted(code.glob("*.py")) + sorted((code / "data").glob("*.txt")):
        assert not words.search(path.read_text(encoding="utf-8")), path.name
    assert LABELLED.exists()
