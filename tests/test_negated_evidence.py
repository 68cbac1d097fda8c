"""Rubric evidence `{not: EVIDENCE}` (met when something did not happen) and `ended_by` anchored
to a moment (the trainee closed before or after a mark; the caller hung up after it)."""

from __future__ import annotations

from typing import Any

import pytest

from app.engine.call import Call
from app.headless import run_playtest
from app.scoring.score import score_call
from tests.scenario_kit import BASE, FakeMatcher, kit_scenario
from tests.test_loader_errors import at, problems_of

RUBRIC = """rubric:
  pass_mark: 50
  criteria:
    - {id: never_calm, title: Never told her to calm down, weight: 1,
       evidence: {not: {intent: calm}}}
    - {id: not_calm_after, title: Not after she told, weight: 1,
       evidence: {not: {intent: calm, after: "mark:told"}}}
    - {id: flagged_kindly, title: Flagged and never told her to calm down, weight: 1,
       evidence: {all: [{flag: risk}, {not: {intent: calm}}]}}
    - {id: closed_after, title: Closed after she told, weight: 1,
       evidence: {ended_by: trainee, after: "mark:told"}}
    - {id: closed_before, title: Closed before she could tell, weight: 1, kind: prohibited,
       evidence: {ended_by: trainee, before: "mark:told"}}
    - {id: closed_soon, title: Closed within 30 s of the telling, weight: 1,
       evidence: {ended_by: trainee, after: "mark:told", within: 30s}}
    - {id: she_hung_up_after, title: She hung up after telling, weight: 1, kind: prohibited,
       evidence: {ended_by: caller, after: "mark:told"}}
"""
TEXT = BASE[: BASE.index("rubric:")] + RUBRIC
DISCLOSE = (("say", "bye", 5.0), ("say", "bye", 12.0))  # the 2nd closing attempt marks `told`


def play(*actions: tuple[Any, ...], text: str = TEXT, heard: Any = None) -> dict[str, Any]:
    s = kit_scenario(text)
    c = Call(s, FakeMatcher(heard))
    c.start(0.0)
    for name, *args in actions:
        getattr(c, name)(*args)
    return score_call(s, c.events)


def statuses(r: dict[str, Any]) -> dict[str, str]:
    return {k: v["status"] for k, v in r["criteria"].items()}


def test_not_is_met_when_it_never_happened_and_shows_no_turn() -> None:
    r = play(*DISCLOSE, ("raise_flag", "risk", 20.0), ("end_call", 30.0))
    st = statuses(r)
    assert st["never_calm"] == st["not_calm_after"] == st["flagged_kindly"] == "met"
    assert r["criteria"]["never_calm"]["evidence"] == []


def test_not_is_missed_when_it_happened_and_anchors_go_inside() -> None:
    r = play(("say", "calm down", 3.0), *DISCLOSE, ("raise_flag", "risk", 20.0))
    st = statuses(r)
    assert st["never_calm"] == "missed"
    assert st["not_calm_after"] == "met"  # calm came before the telling
    assert st["flagged_kindly"] == "missed"
    r = play(*DISCLOSE, ("say", "calm down", 20.0))
    assert statuses(r)["not_calm_after"] == "missed"


def test_who_ended_the_call_relative_to_a_mark() -> None:
    st = statuses(play(*DISCLOSE, ("end_call", 20.0)))
    assert (st["closed_after"], st["closed_before"], st["closed_soon"]) == (
        "met",
        "not_violated",
        "met",
    )
    st = statuses(play(*DISCLOSE, ("end_call", 90.0)))
    assert (st["closed_after"], st["closed_soon"]) == ("met", "missed")  # not within 30 s
    st = statuses(play(("say", "bye", 5.0), ("end_call", 9.0)))  # closed before she told
    assert (st["closed_after"], st["closed_before"]) == ("missed", "violated")


def test_the_caller_hanging_up_after_the_mark() -> None:
    # upset twice, then silence: the 10 s handler, then the 20 s one hangs up (tests/engine)
    actions = (*DISCLOSE, ("say", "calm down", 20.0), ("say", "calm down", 25.0))
    s = kit_scenario(TEXT)
    c = Call(s, FakeMatcher())
    c.start(0.0)
    for name, *args in actions:
        getattr(c, name)(*args)
    c.advance(c.st.busy_until + 10)
    c.advance(c.st.busy_until + 20)
    assert c.st.ended_by == "caller"
    r = score_call(s, c.events)
    assert statuses(r)["she_hung_up_after"] == "violated"
    assert r["criteria"]["she_hung_up_after"]["evidence"][0]["ended_by"] == "caller"


def test_not_of_an_unsure_hearing_is_for_an_assessor() -> None:
    heard = {"bye": ("bye",), "calm down?": ("calm?",)}
    r = play(("say", "calm down?", 3.0), ("end_call", 9.0), heard=heard)
    assert statuses(r)["never_calm"] == "check"
    assert "never_calm" in r["checks"]


PLAYTESTS = """playtests:
  - name: kind and patient
    steps:
      - {say: bye}
      - {say: bye}
      - {flag: risk}
      - {end_call: true}
    expect:
      criteria: {never_calm: met, flagged_kindly: met, closed_after: met,
                 closed_before: not_violated}
  - name: told her to calm down, then hung up on her
    steps:
      - {say: calm down}
      - {end_call: true}
    expect:
      criteria: {never_calm: missed, closed_after: missed, closed_before: violated}
"""


def test_playtests_can_expect_the_new_evidence() -> None:
    s = kit_scenario(TEXT + PLAYTESTS)
    assert [run_playtest(s, pt, FakeMatcher()) for pt in s.playtests] == [[], []]


@pytest.mark.parametrize(
    ("old", "new", "code", "where", "message"),
    [
        ("{not: {intent: calm}}}", "{not: {intent: calm}, after: \"mark:told\"}}", "E023",
         "after: \"mark:told\"}}", "'after' goes on the evidence inside 'not'"),
        ("{not: {intent: calm}}}", "{not: {intent: clam}}}", "E020", "{intent: clam",
         "unknown intent 'clam' (did you mean 'calm'?)"),
        ("{not: {intent: calm}}}", "{not: {intent: calm}, flag: risk}}", "E022",
         "{not: {intent: calm}, flag", "evidence needs exactly one of"),
        ("{not: {intent: calm}}}", "{not: calm}}", "E010", "calm}}",
         "evidence must be a mapping"),
        ("{ended_by: trainee, after: \"mark:told\"}}", "{ended_by: trainee, after: \"mark:tod\"}}",
         "E020", "{ended_by: trainee, after: \"mark:tod", "unknown mark in anchor 'tod'"),
    ],
)  # fmt: skip
def test_bad_evidence_is_located(old: str, new: str, code: str, where: str, message: str) -> None:
    assert TEXT.count(old) == 1, old
    text = TEXT.replace(old, new)
    errors = [p for p in problems_of(text) if p.is_error]
    line, col = at(text, where)
    assert [(p.line, p.col, p.code) for p in errors] == [(line, col, code)], errors
    assert message in errors[0].message


def test_the_schema_takes_not_and_anchored_ended_by() -> None:
    from tests.test_studio_schema import errors

    assert errors(TEXT + PLAYTESTS) == []
