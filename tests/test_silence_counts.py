"""Silence as "nothing said to her" (`counts: speech`) beside the default "the trainee idle"
(`counts: any_input`): flag clicks, log changes and log typing put off only the default kind."""

from __future__ import annotations

import pytest

from app.engine import events as ev
from app.engine.call import Call, replay
from app.engine.timing import speech_seconds
from app.headless import run_steps
from app.scenario.loader import load_scenario_text
from app.scenario.model import Scenario, Step
from app.services.call_session import CallSession
from tests.scenario_kit import FakeMatcher
from tests.test_call_session import FakeClock
from tests.test_loader_errors import at, problems_of

QUIET = """\
format: callsim/scenario@1
id: quiet
title: Quiet
library: none
start: open
caller: {name: Jo}
flags:
  risk: {label: Risk}
log_fields:
  notes: {label: Notes}
intents:
  where: {examples: [where are you]}
states:
  open:
    say: [{id: open.hi, text: "Hello?"}]
    on:
      - intent: where
        say: {id: open.where, text: "Hollins Road."}
global:
  - event: silence
    after: 10s
    counts: speech
    say: {id: g.talk, text: "Are you going to say something?"}
  - event: silence
    after: 15s
    say: {id: g.idle, text: "Hello??"}
  - fallback: true
    say: {id: g.fb, text: "Sorry?"}
rubric:
  pass_mark: 50
  criteria:
    - {id: asked_where, title: Asked where, weight: 1, critical: true, evidence: {intent: where}}
"""


def quiet(text: str = QUIET) -> Scenario:
    return load_scenario_text(text, "quiet.yaml")


@pytest.fixture
def call() -> Call:
    c = Call(quiet(), FakeMatcher())
    c.start(0.0)  # "Hello?" lasts under a second
    return c


def said(events: list[ev.Event]) -> list[str]:
    return [e.data["line_id"] for e in events if e.kind == ev.CALLER_SAID]


def test_flags_the_log_and_log_typing_do_not_break_a_speech_silence(call: Call) -> None:
    call.raise_flag("risk", 4.0)
    call.typing(6.0, log=True)
    call.set_log("notes", "fight", 8.0)
    out = call.advance(11.0)  # 10 s since she spoke: nothing said to her meanwhile
    assert said(out) == ["g.talk"]
    silence = next(e for e in out if e.kind == ev.SILENCE)
    assert silence.data == {"n": 1, "silent_for": 10.0}


def test_a_line_or_composing_one_breaks_it(call: Call) -> None:
    call.typing(8.0)  # composing a line is speaking to her
    assert call.advance(17.9) == []
    assert said(call.advance(18.0)) == ["g.talk"]
    call.say("hm", 30.0)  # the fallback answers "Sorry?"; silence counts from its end
    due = round(30.0 + speech_seconds("Sorry?") + 10.0, 3)
    assert call.next_silence() == (due, call.scenario.global_handlers[0])


def test_the_default_still_counts_any_input() -> None:
    text = QUIET.replace("    counts: speech\n", "")
    c = Call(quiet(text), FakeMatcher())
    c.start(0.0)
    c.raise_flag("risk", 8.0)
    assert c.advance(17.9) == []  # the click put the 10 s silence off...
    assert said(c.advance(18.0)) == ["g.talk"]  # ...until 10 s after it
    assert quiet(text).global_handlers[0].counts == "any_input"


def test_each_silence_handler_keeps_its_own_clock(call: Call) -> None:
    call.typing(5.0, log=True)
    call.typing(7.0, log=True)
    out = call.advance(11.0)
    assert said(out) == ["g.talk"]  # speech: 10 s after "Hello?"
    talk = next(e for e in out if e.kind == ev.CALLER_SAID)
    ends = talk.t + talk.data["duration"]  # both silences count from the end of g.talk
    due, h = call.next_silence()  # type: ignore[misc]
    assert h.key == "global[0]" and due == pytest.approx(ends + 10)


def test_log_typing_replays_as_log_typing(call: Call) -> None:
    call.typing(5.0, log=True)
    call.typing(7.0)
    call.raise_flag("risk", 9.0)
    call.advance(40.0)
    assert {e.data.get("log") for e in call.events if e.kind == ev.TRAINEE_TYPING} == {
        True,
        None,
    }
    inputs = [e for e in call.events if e.kind in ev.INPUT_KINDS]
    again = replay(call.scenario, FakeMatcher(), inputs)
    assert [e.canonical() for e in again.events] == [e.canonical() for e in call.events]


def test_headless_flag_and_log_steps_do_not_break_a_speech_silence() -> None:
    steps = (
        Step("flag", text="risk"),
        Step("log", log=(("notes", "fight at 12 Hollins Road"),)),
        Step("log", log=(("notes", "fight at 12 Hollins Road, mum involved"),)),
        Step("flag", text="risk"),
        Step("wait", seconds=5.0),
    )
    run = run_steps(quiet(), steps, FakeMatcher())
    assert "g.talk" in said(run.call.events)
    run_default = run_steps(quiet(QUIET.replace("    counts: speech\n", "")), steps, FakeMatcher())
    assert "g.talk" not in said(run_default.call.events)


def test_the_session_throttles_line_and_log_typing_apart() -> None:
    clock = FakeClock()
    s = CallSession(quiet(), FakeMatcher(), clock=clock)
    s.start()
    clock.now = 3.0
    assert [e.data for e in s.typing(log=True)] == [{"log": True}]
    clock.now = 3.5
    assert [e.data for e in s.typing()] == [{}]  # a line: not throttled by the log's
    assert s.typing(log=True) == []


@pytest.mark.parametrize(
    ("old", "new", "code", "where", "message"),
    [
        ("    counts: speech\n", "    counts: words\n", "E013", "words",
         "counts must be any_input or speech"),
        ("        say: {id: open.where", "        counts: speech\n        say: {id: open.where",
         "E023", "counts: speech\n        say", "'counts' only applies to event: silence"),
    ],
)  # fmt: skip
def test_bad_counts_are_located(old: str, new: str, code: str, where: str, message: str) -> None:
    text = QUIET.replace(old, new)
    errors = [p for p in problems_of(text) if p.is_error]
    line, col = at(text, where)
    assert [(p.line, p.col, p.code) for p in errors] == [(line, col, code)], errors
    assert message in errors[0].message


def test_the_schema_takes_counts() -> None:
    from tests.test_studio_schema import errors

    assert errors(QUIET) == []
    assert errors(QUIET.replace("counts: speech", "counts: words")) != []
