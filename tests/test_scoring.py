"""Rubric scoring: evidence, anchors, statuses, score arithmetic, metrics."""

from __future__ import annotations

from typing import Any

from app.engine.call import Call
from app.scoring.score import score_call
from tests.scenario_kit import BASE, FakeMatcher, kit_scenario

RUBRIC_AT = BASE.index("rubric:")


def with_rubric(rubric: str) -> str:
    return BASE[:RUBRIC_AT] + rubric


def play(text: str, *actions: tuple[Any, ...]) -> dict[str, Any]:
    s = kit_scenario(text)
    c = Call(s, FakeMatcher())
    c.start(0.0)
    for name, *args in actions:
        getattr(c, name)(*args)
    return score_call(s, c.events)


DISCLOSE = (("say", "bye", 5.0), ("say", "bye", 12.0))  # second closing attempt: mark `told`


def test_flag_raised_after_the_mark_and_held_is_met_with_its_evidence() -> None:
    r = play(BASE, *DISCLOSE, ("raise_flag", "risk", 20.0), ("end_call", 30.0))
    c = r["criteria"]["flagged"]
    assert c["status"] == "met"
    assert c["evidence"] == [{"t": 20.0, "flag": "risk", "raised": True}]
    assert r["metrics"]["told_to_flag_s"] == round(20.0 - r["metrics"]["told_t"], 1)


def test_flag_raised_before_the_mark_is_a_guess_not_a_capture() -> None:
    r = play(BASE, ("raise_flag", "risk", 2.0), *DISCLOSE, ("end_call", 30.0))
    assert r["criteria"]["flagged"]["status"] == "missed"
    assert r["critical_failures"] == ["flagged"]
    assert r["passed"] is False
    assert r["metrics"]["told_to_flag_s"] is None  # no raise came after the disclosure


def test_flag_lowered_before_the_end_is_not_held() -> None:
    r = play(BASE, *DISCLOSE, ("raise_flag", "risk", 20.0), ("lower_flag", "risk", 25.0))
    assert r["criteria"]["flagged"]["status"] == "missed"


def test_anchor_that_never_happened_means_missed() -> None:
    r = play(BASE, ("raise_flag", "risk", 2.0), ("end_call", 30.0))
    assert r["criteria"]["flagged"]["status"] == "missed"
    assert r["metrics"]["told_t"] is None


def test_score_is_weight_earned_over_automatic_weight_and_pass_needs_no_critical_failure() -> None:
    rubric = """rubric:
  pass_mark: 50
  criteria:
    - {id: a, title: A, weight: 3, evidence: {intent: where}}
    - {id: b, title: B, weight: 1, evidence: {intent: hello}}
    - {id: p, title: P, weight: 1, kind: prohibited, evidence: {intent: calm}}
    - {id: m, title: M, weight: 5, kind: manual}
    - {id: e, title: E, weight: 1, critical: true, evidence: {ended_by: trainee}}
"""
    r = play(with_rubric(rubric), ("say", "where are you", 5.0), ("end_call", 9.0))
    statuses = {k: v["status"] for k, v in r["criteria"].items()}
    assert statuses == {"a": "met", "b": "missed", "p": "not_violated", "m": "manual", "e": "met"}
    assert r["score"] == round(100 * 5 / 6, 1)  # manual weight is left out
    assert r["passed"] is True
    r2 = play(with_rubric(rubric), ("say", "calm down", 5.0))
    assert r2["criteria"]["p"]["status"] == "violated"
    assert r2["criteria"]["p"]["evidence"][0]["text"] == "calm down"
    assert r2["critical_failures"] == ["e"]  # nobody ended the call
    assert r2["passed"] is False and r2["ended_by"] is None


def test_a_critical_miss_fails_the_call_even_above_the_pass_mark() -> None:
    rubric = """rubric:
  pass_mark: 50
  criteria:
    - {id: a, title: A, weight: 3, evidence: {intent: where}}
    - {id: e, title: E, weight: 1, critical: true, evidence: {ended_by: trainee}}
"""
    r = play(with_rubric(rubric), ("say", "where are you", 5.0))  # nobody ends the call
    assert r["score"] == 75.0 and r["score"] >= r["pass_mark"]
    assert r["critical_failures"] == ["e"]
    assert r["passed"] is False


def test_before_within_all_any_and_log_contents() -> None:
    rubric = """rubric:
  pass_mark: 50
  criteria:
    - {id: early, title: Early, weight: 1, evidence: {intent: where, before: "mark:told"}}
    - {id: soon, title: Soon, weight: 1, evidence: {flag: risk, after: "mark:told", within: 5s}}
    - {id: both, title: Both, weight: 1, evidence: {all: [{intent: where}, {intent: hello}]}}
    - {id: either, title: Either, weight: 1, evidence: {any: [{intent: where}, {intent: hello}]}}
    - {id: noted, title: Noted, weight: 1, evidence: {log: notes, contains_any: [knife]}}
"""
    s = kit_scenario(with_rubric(rubric))
    c = Call(s, FakeMatcher())
    c.start(0.0)
    c.say("where are you", 3.0)
    c.say("bye", 15.0)
    c.say("bye", 22.0)
    told_t = next(e.t for e in c.events if e.kind == "mark")
    c.raise_flag("risk", told_t + 30)  # outside `within: 5s`
    c.set_log("notes", "He had a KNIFE.", told_t + 31)
    r = score_call(s, c.events)
    st = {k: v["status"] for k, v in r["criteria"].items()}
    assert st == {
        "early": "met",
        "soon": "missed",
        "both": "missed",
        "either": "met",
        "noted": "met",
    }
    assert r["criteria"]["both"]["evidence"] == []  # a missed criterion shows no proof
    c.set_log("notes", "nothing much", told_t + 40)  # the final log is what counts
    assert score_call(s, c.events)["criteria"]["noted"]["status"] == "missed"


def test_turns_and_evidence_point_at_the_same_turn() -> None:
    r = play(BASE, ("say", "where are you", 5.0), ("end_call", 20.0))
    ev = r["criteria"]["asked_where"]["evidence"][0]
    assert r["turns"][ev["turn"]]["text"] == "where are you"
    assert r["turns"][ev["turn"]]["speaker"] == "trainee"
    assert r["turns"][ev["turn"]]["intents"] == ["where"]


def test_scoring_is_deterministic() -> None:
    acts = (("say", "where are you", 5.0), *DISCLOSE[1:], ("raise_flag", "risk", 30.0))
    assert play(BASE, *acts) == play(BASE, *acts)
