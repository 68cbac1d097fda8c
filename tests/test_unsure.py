"""When the matcher is unsure: the caller asks instead of answering a guess, and any criterion
whose outcome rests on an unsure hearing is `check` (an assessor decides), never a critical
failure (issue 9, "Honest uncertainty")."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from app.assessor.reviewed import reviewed_result
from app.engine import events as ev
from app.engine.call import Call, RecordedMatcher, replay
from app.scenario.model import Line, Say, Scenario
from app.scenario.vocabulary import CriterionKind, Status
from app.scoring.result import Counted, tally
from app.scoring.score import score_call
from app.storage.marks_repo import Mark
from tests.scenario_kit import BASE, FakeMatcher, kit_scenario

TABLE = {
    "hello": ("hello",),
    "where are you": ("where",),
    "whereabouts then": ("where?",),  # heard as `where`, but unsure
    "calm it": ("calm?",),
    "calm down": ("calm",),
    "bye": ("bye",),
    "bye maybe": ("bye?",),
    "hello, whereabouts then": ("hello", "where?"),
}
CLARIFY = Say((Line("lib.clarify.1", "Sorry, what do you mean?"),), sequence=True)

RUBRIC_AT = BASE.index("rubric:")
RUBRIC = """rubric:
  pass_mark: 50
  criteria:
    - {id: asked_where, title: Asked where, weight: 1, evidence: {intent: where}}
    - {id: hi, title: Said hello, weight: 1, evidence: {intent: hello}}
    - {id: where_critical, title: Asked where (critical), weight: 1, critical: true,
       evidence: {intent: where}}
    - {id: no_calm, title: No calm down, weight: 1, kind: prohibited, critical: true,
       evidence: {intent: calm}}
"""


def scenario(clarify: bool = True) -> Scenario:
    s = kit_scenario(BASE[:RUBRIC_AT] + RUBRIC)
    return replace(s, clarify=CLARIFY if clarify else None)


def play(s: Scenario, *lines: str) -> Call:
    c = Call(s, FakeMatcher(TABLE))
    c.start(0.0)
    for n, text in enumerate(lines):
        c.say(text, 5.0 + 10 * n)
    return c


def said(c: Call) -> list[str]:
    return [str(e.data["line_id"]) for e in c.events if e.kind == ev.CALLER_SAID]


def test_an_unsure_line_gets_a_question_back_not_an_answer() -> None:
    c = play(scenario(), "whereabouts then")
    assert said(c) == ["one.hi", "lib.clarify.1"]
    assert c.st.state == "one"  # the `where` handler (goto: two) did not fire
    (clarify,) = [e for e in c.events if e.kind == ev.CLARIFY]
    assert clarify.data == {"n": 1, "intents": ["where"]}
    (trainee,) = [e for e in c.events if e.kind == ev.TRAINEE_SAID]
    assert trainee.data["intents"] == ["where"] and trainee.data["unsure"] == ["where"]
    assert c.st.counts.get("where", 0) == 0


def test_a_confident_intent_in_the_same_line_is_answered() -> None:
    c = play(scenario(), "hello, whereabouts then")
    assert said(c) == ["one.hi", "one.hello"]
    assert not [e for e in c.events if e.kind == ev.CLARIFY]


def test_an_unsure_closing_phrase_is_not_a_closing_attempt() -> None:
    c = play(scenario(), "bye maybe", "bye maybe")
    assert not [e for e in c.events if e.kind == ev.CLOSING_ATTEMPT]
    assert said(c) == ["one.hi", "lib.clarify.1", "lib.clarify.1"]


def test_without_clarify_lines_she_answers_the_best_guess() -> None:
    c = play(scenario(clarify=False), "whereabouts then")
    assert said(c) == ["one.hi", "one.where", "two.enter"]  # nobody to ask: the guess...
    r = score_call(c.scenario, c.events)
    assert r["criteria"]["asked_where"]["status"] == "check"  # ...but not marked as heard


def test_unsure_evidence_is_check_never_a_critical_failure() -> None:
    s = scenario()
    r = score_call(s, play(s, "hello", "whereabouts then", "calm it").events)
    statuses = {k: v["status"] for k, v in r["criteria"].items()}
    assert statuses == {
        "asked_where": "check",
        "hi": "met",
        "where_critical": "check",
        "no_calm": "check",
    }
    assert r["critical_failures"] == []
    assert r["checks"] == ["asked_where", "where_critical", "no_calm"]
    assert r["score"] == 100.0  # only `hi` is decided
    assert r["passed"] is False  # a critical criterion is undecided: no pass is claimed
    evidence = r["criteria"]["asked_where"]["evidence"]
    assert evidence == [{"t": 15.0, "turn": 3, "text": "whereabouts then", "unsure": True}]


def test_a_confident_hearing_decides_whatever_else_was_unsure() -> None:
    s = scenario()
    r = score_call(s, play(s, "whereabouts then", "where are you", "calm down").events)
    statuses = {k: v["status"] for k, v in r["criteria"].items()}
    assert statuses["asked_where"] == "met" and statuses["where_critical"] == "met"
    assert statuses["no_calm"] == "violated" and r["critical_failures"] == ["no_calm"]
    assert r["checks"] == []


def test_nothing_unsure_means_no_check() -> None:
    s = scenario()
    r = score_call(s, play(s, "where are you").events)
    assert r["checks"] == [] and r["criteria"]["no_calm"]["status"] == "not_violated"


def test_a_replay_rebuilds_the_clarification_from_the_record() -> None:
    s = scenario()
    c = play(s, "hello", "whereabouts then")
    inputs = [e for e in c.events if e.kind in ev.INPUT_KINDS]
    again = replay(s, RecordedMatcher(c.events), inputs)
    assert again.events == c.events


def test_the_rule_checks_decide_nothing_until_an_assessor_does() -> None:
    def counted(status: Status, critical: bool = False) -> Counted:
        return Counted(status, 1.0, critical, CriterionKind.REQUIRED)

    t = tally({"a": counted(Status.MET), "b": counted(Status.CHECK)}, 50)
    assert (t.score, t.passed, t.checks) == (100.0, True, ["b"])
    t = tally({"a": counted(Status.MET), "b": counted(Status.CHECK, critical=True)}, 50)
    assert (t.passed, t.critical_failures, t.checks) == (False, [], ["b"])


def test_an_assessor_decides_a_check() -> None:
    s = scenario()
    auto = score_call(s, play(s, "hello", "whereabouts then").events)
    assert auto["checks"] == ["asked_where", "where_critical"] and auto["passed"] is False
    heard = Mark(1, "s", "where_critical", "overrule", "met", "asked where she is", "A", "t")
    reviewed = reviewed_result(auto, {"where_critical": heard})
    assert reviewed["reviewed_checks"] == ["asked_where"]
    assert reviewed["criteria"]["where_critical"]["reviewed_status"] == "met"
    assert reviewed["reviewed_passed"] is True  # the critical one is decided now


@pytest.mark.parametrize("text", ["whereabouts then", "calm it"])
def test_the_same_unsure_call_always_gets_the_same_result(text: str) -> None:
    s = scenario()
    first = score_call(s, play(s, text).events)
    assert all(score_call(s, play(s, text).events) == first for _ in range(3))


def test_an_assessor_cannot_agree_with_a_check_only_decide_it(tmp_path: Path) -> None:
    from app.assessor.marks import MarkError, Marking
    from app.storage import SessionStore

    s = scenario()
    c = play(s, "hello", "whereabouts then")
    with SessionStore(tmp_path / "callsim.db") as store:
        sid = store.start_session(
            trainee="Ana", scenario_id=s.id, scenario_sha256=s.sha256, scenario_title=s.title,
            mode="headless",
        )  # fmt: skip
        store.append_events(sid, c.events)
        store.finish_session(sid, score_call(s, c.events))
        marking = Marking(store)
        with pytest.raises(MarkError, match="unsure of asked_where: decide it"):
            marking.mark(sid, "asked_where", "agree", assessor="Sgt Jones")
        mark = marking.mark(
            sid,
            "asked_where",
            "overrule",
            status="met",
            reason="she was asked",
            assessor="Sgt Jones",
        )
        assert mark.status == "met"
