"""Timed events (`event: time` with `at`, `in_state` or `after_mark` + `at`): each fires once,
on the engine's virtual clock, the same way in every run and in a replay."""

from __future__ import annotations

import pytest

from app.engine import events as ev
from app.engine.call import Call, CallEnded, replay
from app.engine.timing import speech_seconds
from app.headless import run_steps
from app.scenario.loader import load_scenario_text
from app.scenario.model import Scenario, Step
from app.studio.graph import scenario_graph
from tests.scenario_kit import FakeMatcher
from tests.test_loader_errors import at, problems_of

TIMED = """\
format: callsim/scenario@1
id: timed
title: Timed
library: none
start: open
caller: {name: Jo}
variables:
  calm: {type: bool, default: false}
intents:
  where: {examples: [where are you]}
  calm: {examples: [calm down]}
  bye: {examples: [bye], closing: true}
states:
  open:
    say: [{id: open.hi, text: "Hello?"}]
    on:
      - intent: where
        say: {id: open.where, text: "Hollins Road."}
        goto: waiting
      - event: time
        at: 100s
        say: {id: open.late, text: "never: the call has left this state by then"}
  waiting:
    say: [{id: wait.enter, text: "Are they coming?"}]
    on:
      - intent: where
        say: {id: wait.where, text: "I said."}
        goto: open
      - event: time
        in_state: 30s
        say: {id: wait.long, text: "It's been ages."}
      - event: time
        at: 3s
        say: {id: wait.early, text: "never: due before the call got here"}
global:
  - intent: calm
    set: {calm: true}
    say: {id: g.calm, text: "OK."}
  - event: closing_attempt
    say: {id: g.tell, text: "He hit her."}
    mark: told
  - event: time
    at: 60s
    say: {id: g.minute, text: "Are you still there? It's been a minute."}
  - event: time
    after_mark: told
    at: 20s
    when: not calm
    say: {id: g.after, text: "Did you hear what I said?"}
  - event: time
    at: 300s
    say: {id: g.gone, text: "Forget it."}
    hang_up: true
  - event: silence
    after: 40s
    say: {id: g.sil, text: "Hello??"}
  - fallback: true
    say: {id: g.fb, text: "Sorry?"}
rubric:
  pass_mark: 50
  criteria:
    - {id: asked_where, title: Asked where, weight: 1, critical: true, evidence: {intent: where}}
"""


def timed(text: str = TIMED) -> Scenario:
    return load_scenario_text(text, "timed.yaml")


@pytest.fixture
def call() -> Call:
    c = Call(timed(), FakeMatcher({"where are you": ("where",), "calm down": ("calm",),
                                   "bye": ("bye",), "hm": ()}))  # fmt: skip
    c.start(0.0)
    return c


def said(events: list[ev.Event]) -> list[tuple[float, str]]:
    return [(e.t, e.data["line_id"]) for e in events if e.kind == ev.CALLER_SAID]


def test_at_fires_once_on_the_call_clock_even_while_the_trainee_is_busy(call: Call) -> None:
    for t in (20.0, 35.0, 50.0, 59.0):  # never silent for 40 s
        call.typing(t)
    assert call.advance(59.9) == []
    out = call.advance(60.0)
    assert said(out) == [(60.0, "g.minute")]
    assert [e.kind for e in out][:3] == [ev.TIME_PASSED, ev.TIMER, ev.HANDLER_FIRED]
    assert out[2].data == {"handler": "global[2]", "trigger": "time"}
    mark = len(call.events)
    for t in (90.0, 120.0):
        call.typing(t)
    call.advance(150.0)
    later = said(call.events[mark:])
    assert later == [(100.0, "open.late")]  # at 100 s, still in `open`; the minute once only


def test_in_state_counts_from_entering_the_state(call: Call) -> None:
    call.say("where are you", 5.0)  # now in `waiting`, entered at 5
    assert call.next_timer() == (35.0, call.scenario.states["waiting"].on[1])
    call.typing(30.0)
    assert [ln for _, ln in said(call.advance(35.0))] == ["wait.long"]


def test_a_states_timer_is_live_only_in_that_state(call: Call) -> None:
    call.say("where are you", 5.0)  # to waiting
    call.say("where are you", 20.0)  # back to open before 35 s
    call.typing(50.0)
    call.say("where are you", 90.0)  # waiting again, from 90: in_state starts over
    call.typing(110.0)
    out = call.advance(120.0)
    lines = [ln for _, ln in said(call.events)]
    assert "wait.long" in [ln for _, ln in said(out)]
    assert (120.0, "wait.long") in said(out)
    assert "wait.early" not in lines  # due at 10 s, while the call was elsewhere
    assert "open.late" not in lines  # the call was in `waiting` at 100 s


def test_after_mark_counts_from_the_mark_and_when_is_judged_when_due(call: Call) -> None:
    call.say("bye", 10.0)  # the mark `told`, at 10
    told_ends = call.st.busy_until
    call.typing(25.0)
    out = call.advance(30.0)
    assert [ln for _, ln in said(out)] == ["g.after"]
    assert said(out)[0][0] == pytest.approx(max(30.0, told_ends))


def test_a_timer_whose_condition_fails_when_due_never_fires_later(call: Call) -> None:
    call.say("bye", 10.0)
    call.say("calm down", 25.0)  # calm before 30 s: `when: not calm` fails at 30
    call.advance(31.0)
    call.st.variables["calm"] = False
    call.typing(32.0)
    call.advance(45.0)
    assert "g.after" not in [ln for _, ln in said(call.events)]


def test_without_the_mark_after_mark_never_fires(call: Call) -> None:
    for t in range(30, 290, 30):
        call.typing(float(t))
    assert "g.after" not in [ln for _, ln in said(call.events)]


def test_a_timer_that_hangs_up_ends_the_call(call: Call) -> None:
    for t in range(30, 300, 30):
        call.typing(float(t))
    out = call.advance(300.0)
    assert ("g.gone") in [ln for _, ln in said(out)]
    assert call.ended and call.st.ended_by == "caller"
    with pytest.raises(CallEnded):
        call.say("where are you", 301.0)


def test_a_timer_and_silence_due_together_the_timer_first() -> None:
    hello = speech_seconds("Hello?")  # the silence counts from the end of "Hello?"
    text = TIMED.replace("    after: 40s\n", f"    after: {round(60.0 - hello, 3)}s\n")
    c = Call(timed(text), FakeMatcher())
    c.start(0.0)  # so the silence handler is due at 60.0, with the timer
    out = c.advance(60.0)
    kinds = [e.kind for e in out if e.kind in (ev.TIMER, ev.SILENCE)]
    assert kinds[0] == ev.TIMER
    assert [ln for _, ln in said(out)][0] == "g.minute"


def test_timers_replay_exactly_and_headless_runs_are_deterministic(call: Call) -> None:
    call.say("bye", 10.0)
    call.say("where are you", 40.0)
    call.advance(100.0)
    call.say("calm down", 110.0)
    call.advance(400.0)
    inputs = [e for e in call.events if e.kind in ev.INPUT_KINDS]
    again = replay(call.scenario, FakeMatcher({"where are you": ("where",), "bye": ("bye",),
                                               "calm down": ("calm",)}), inputs)  # fmt: skip
    assert [e.canonical() for e in again.events] == [e.canonical() for e in call.events]
    steps = (Step("say", text="bye"), Step("wait", seconds=70.0), Step("say", text="hm"))
    runs = [run_steps(call.scenario, steps, FakeMatcher({"bye": ("bye",)})) for _ in range(2)]
    assert [e.canonical() for e in runs[0].call.events] == [
        e.canonical() for e in runs[1].call.events
    ]
    assert "g.minute" in [ln for _, ln in said(runs[0].call.events)]


def test_the_map_labels_timed_handlers() -> None:
    labels = {e.label[0] for e in scenario_graph(timed()).edges if e.label}
    assert {"time: at 60s", "time: 30s in state", "time: 20s after mark told"} <= labels


@pytest.mark.parametrize(
    ("old", "new", "code", "where", "message"),
    [
        ("    at: 60s\n", "    at: 60s\n    in_state: 5s\n", "E022", "in_state: 5s",
         "'at' or 'in_state', not both"),
        ("    at: 60s\n", "", "E011", "event: time\n    say: {id: g.minute",
         "needs 'at' (call time, e.g. at: 60s) or 'in_state'"),
        ("        in_state: 30s\n", "        in_state: 30s\n        after_mark: told\n", "E023",
         "after_mark: told\n        say",
         "'after_mark' goes with 'at'"),
        ("    at: 60s\n", "    at: 60s\n    nth: 2\n", "E023", "nth: 2",
         "'nth' does not apply to event: time"),
        ("    after: 40s\n", "    after: 40s\n    at: 5s\n", "E023", "at: 5s",
         "'at' only applies to event: time"),
        ("    after_mark: told\n", "    after_mark: tod\n", "E020", "after_mark: tod",
         "unknown mark 'tod' (did you mean 'told'?)"),
        ("    at: 300s\n", "    at: later\n", "E014", "later", "at must be a duration"),
    ],
)  # fmt: skip
def test_bad_timed_handlers_are_located(
    old: str, new: str, code: str, where: str, message: str
) -> None:
    assert TIMED.count(old) == 1, old
    text = TIMED.replace(old, new)
    errors = [p for p in problems_of(text) if p.is_error]
    line, col = at(text, where)
    if code == "E011":  # reported at the handler, which starts at its first key
        line, col = at(text, "event: time\n    say: {id: g.minute")
    assert [(p.line, p.col, p.code) for p in errors] == [(line, col, code)], errors
    assert message in errors[0].message


def test_the_schema_takes_timed_handlers() -> None:
    from tests.test_studio_schema import errors

    assert errors(TIMED) == []
    assert errors(TIMED.replace("    after: 40s\n", "    after: 40s\n    at: 5s\n")) != []


def test_the_keys_a_trigger_needs_one_of_go_with_it() -> None:
    from app.scenario.grammar import HANDLER, TRIGGERS

    for t in TRIGGERS:
        for key in t.one_of:
            assert t.name in HANDLER.key(key).applies_to
    assert any(t.one_of for t in TRIGGERS)
