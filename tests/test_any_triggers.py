"""`event: any_line` (every trainee line, after her reply) and `event: any_flag` (a raised flag
no `flag_raised` handler took), with their counters and precedence."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.engine import events as ev
from app.engine.call import Call, replay
from app.scenario.loader import lint_file, load_scenario_text
from app.studio.graph import scenario_graph
from tests.scenario_kit import FakeMatcher

ANY = """\
format: callsim/scenario@1
id: any
title: Any
library: none
start: open
caller: {name: Jo}
flags:
  risk: {label: Risk}
  injury: {label: Injury}
  weapon: {label: Weapon}
intents:
  where: {examples: [where are you]}
  name: {examples: [your name]}
states:
  open:
    say: [{id: open.hi, text: "Hello?"}]
    on:
      - intent: where
        say: {id: open.where, text: "Hollins Road."}
        goto: moved
      - event: any_line
        nth: 3
        when: not asked.name
        say: {id: open.nudge, text: "Don't you want my name?"}
        goto: pushy
  moved:
    say: [{id: moved.enter, text: "Are they coming?"}]
    on:
      - event: any_line
        when: count.turns >= 2
        say: {id: moved.line, text: "Please hurry."}
  pushy:
    say: [{id: pushy.enter, text: "It's Jo, by the way."}]
global:
  - event: flag_raised
    flag: risk
    say: {id: g.risk, text: "What are you doing?"}
  - event: any_flag
    nth: 1
    say: {id: g.first_flag, text: "Are you writing this down?"}
  - event: any_flag
    when: count.flags_raised >= 3
    say: {id: g.many_flags, text: "Lots of clicking."}
  - fallback: true
    say: {id: g.fb, text: "Sorry?"}
rubric:
  pass_mark: 50
  criteria:
    - {id: asked_where, title: Asked where, weight: 1, critical: true, evidence: {intent: where}}
"""
HEARD = {"where are you": ("where",), "your name": ("name",), "hm": ()}


@pytest.fixture
def call() -> Call:
    c = Call(load_scenario_text(ANY, "any.yaml"), FakeMatcher(dict(HEARD)))
    c.start(0.0)
    return c


def said(events: list[ev.Event]) -> list[str]:
    return [e.data["line_id"] for e in events if e.kind == ev.CALLER_SAID]


def fired(events: list[ev.Event]) -> list[tuple[str, str]]:
    return [(e.data["handler"], e.data["trigger"]) for e in events if e.kind == ev.HANDLER_FIRED]


def test_any_line_fires_after_the_reply_counting_every_line(call: Call) -> None:
    assert said(call.say("hm", 5.0)) == ["g.fb"]  # turn 1
    assert said(call.say("hm", 10.0)) == ["g.fb"]  # turn 2
    out = call.say("hm", 15.0)  # turn 3: the fallback replies, then any_line (nth 3) fires
    assert fired(out) == [("global[3]", "fallback"), ("states.open.on[1]", "any_line")]
    assert said(out) == ["g.fb", "open.nudge", "pushy.enter"]
    assert call.st.state == "pushy"


def test_any_line_sees_the_state_the_reply_left_and_a_line_moves_the_call_once(
    call: Call,
) -> None:
    call.say("hm", 5.0)
    out = call.say("where are you", 10.0)  # turn 2: goto moved; moved's any_line fires there
    assert said(out) == ["open.where", "moved.enter", "moved.line"]
    line = "        say: {id: moved.line"
    text = ANY.replace(line, "        goto: pushy\n" + line)
    c = Call(load_scenario_text(text, "any.yaml"), FakeMatcher(dict(HEARD)))
    c.start(0.0)
    c.say("hm", 5.0)
    out = c.say("where are you", 10.0)
    assert c.st.state == "moved"  # the reply moved the call: any_line's goto is ignored
    assert [e.data.get("goto_ignored") for e in out if e.kind == ev.HANDLER_FIRED] == [
        None,
        "pushy",
    ]


def test_any_line_conditions_and_nth(call: Call) -> None:
    call.say("your name", 5.0)
    call.say("hm", 10.0)
    assert said(call.say("hm", 15.0)) == ["g.fb"]  # asked.name: the nudge does not fire


def test_any_flag_takes_a_flag_no_flag_raised_handler_took(call: Call) -> None:
    assert said(call.raise_flag("risk", 5.0)) == ["g.risk"]  # the specific handler wins
    assert fired(call.raise_flag("injury", 7.0)) == []  # 2nd flag raised: nth 1 is gone
    call.lower_flag("injury", 8.0)
    assert said(call.raise_flag("weapon", 9.0)) == ["g.many_flags"]  # count.flags_raised == 3
    assert call.st.counts["flags_raised"] == 3


def test_any_flag_nth_counts_every_flag_raised() -> None:
    c = Call(load_scenario_text(ANY, "any.yaml"), FakeMatcher())
    c.start(0.0)
    assert said(c.raise_flag("injury", 5.0)) == ["g.first_flag"]
    assert said(c.lower_flag("injury", 6.0)) == []  # lowering is not raising


def test_replay_rebuilds_any_line_and_any_flag(call: Call) -> None:
    call.say("hm", 5.0)
    call.raise_flag("injury", 6.0)
    call.say("hm", 10.0)
    call.say("hm", 15.0)
    inputs = [e for e in call.events if e.kind in ev.INPUT_KINDS]
    again = replay(call.scenario, FakeMatcher(dict(HEARD)), inputs)
    assert [e.canonical() for e in again.events] == [e.canonical() for e in call.events]


def test_lint_and_map(tmp_path: Path) -> None:
    path = tmp_path / "any.yaml"
    path.write_text(ANY, "utf-8")
    assert lint_file(path) == []
    dead = ANY.replace("    nth: 1\n    say: {id: g.first_flag", "    say: {id: g.first_flag")
    path.write_text(dead, "utf-8")
    problems = [p for p in lint_file(path) if p.code == "W102"]
    assert len(problems) == 1 and "the handler at line" in problems[0].message
    graph = scenario_graph(load_scenario_text(ANY, "any.yaml"))
    labels = {e.label[0] for e in graph.edges if e.label}
    assert {"any line", "any flag raised"} <= labels


def test_an_unknown_counter_in_a_condition_is_located() -> None:
    from tests.test_loader_errors import problems_of

    text = ANY.replace("count.flags_raised >= 3", "count.flag_raised >= 3")
    (p,) = [p for p in problems_of(text) if p.is_error]
    assert p.code == "E020" and "did you mean 'flags_raised'" in p.message


def test_the_schema_takes_any_line_and_any_flag() -> None:
    from tests.test_studio_schema import errors

    assert errors(ANY) == []
