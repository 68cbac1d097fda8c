"""Small scenarios and a fake matcher for engine and scoring tests (no real matcher needed)."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.scenario.loader import load_scenario_text
from app.scenario.model import Scenario

BASE = """\
format: callsim/scenario@1
id: kit
title: Kit
start: one
caller: {name: Jo}
variables:
  upset: {type: int, default: 0}
  told: {type: bool, default: false}
flags:
  risk: {label: Risk}
log_fields:
  notes: {label: Notes}
intents:
  hello: {examples: [hello]}
  where: {examples: [where are you]}
  bye: {examples: [bye], closing: true}
  calm: {examples: [calm down]}
states:
  one:
    say: [{id: one.hi, text: "Hello? Is that the police?"}]
    on:
      - intent: where
        say: {id: one.where, text: "Twelve Hollins Road."}
        goto: two
      - intent: hello
        once: true
        say: {id: one.hello, text: "Hi."}
  two:
    say: [{id: two.enter, text: "Are you still there?"}]
    on:
      - intent: where
        say: {sequence: [{id: two.w1, text: "I told you."}, {id: two.w2, text: "Hollins Road!"}]}
global:
  - event: closing_attempt
    nth: 1
    say: {id: g.wait, text: "Wait, there's something else."}
  - event: closing_attempt
    nth: 2
    say: {id: g.tell, text: "He hit her."}
    set: {told: true}
    mark: told
  - intent: calm
    add: {upset: 1}
    say: {id: g.calm, text: "Don't tell me to calm down."}
  - intent: calm
    when: upset >= 1
    say: {id: g.never, text: "never said: shadowed by the handler above"}
  - event: flag_raised
    flag: risk
    say: {id: g.flagged, text: "What are you typing?"}
  - event: log_changed
    field: notes
    when: not told
    say: {id: g.logged, text: "Are you writing this down?"}
  - event: silence
    after: 30s
    say: {id: g.sil30, text: "Hello??"}
  - event: silence
    after: 10s
    when: count.silence < 2
    say: {id: g.sil10, text: "Hello?"}
  - event: silence
    after: 20s
    when: upset >= 2
    say: {id: g.gone, text: "Forget it."}
    hang_up: true
  - fallback: true
    say: {sequence: [{id: g.fb1, text: "Sorry?"}, {id: g.fb2, text: "What?"}]}
rubric:
  pass_mark: 70
  criteria:
    - {id: asked_where, title: Asked where, weight: 1, evidence: {intent: where}}
    - {id: flagged, title: Flagged after telling, weight: 1, critical: true,
       evidence: {flag: risk, after: "mark:told", held_at_end: true}}
  metrics:
    told_t: {at: "mark:told"}
    told_to_flag_s: {from: "mark:told", to: "flag:risk"}
"""


def kit_scenario(text: str = BASE) -> Scenario:
    return load_scenario_text(text, "kit.yaml")


@dataclass(frozen=True)
class FakeResult:
    intents: tuple[str, ...]
    scores: dict[str, float] = field(default_factory=dict)
    bands: dict[str, str] = field(default_factory=dict)


class FakeMatcher:
    """Exact phrases to intents: lets engine tests state exactly what was 'heard'."""

    def __init__(self, table: dict[str, tuple[str, ...]] | None = None) -> None:
        self.table = table or {
            "hello": ("hello",),
            "where are you": ("where",),
            "bye": ("bye",),
            "calm down": ("calm",),
            "where are you, bye": ("where", "bye"),
        }

    def match(self, text: str) -> FakeResult:
        """An id written with a trailing '?' in the table is heard, but unsure."""
        table = self.table.get(text, ())
        intents = tuple(i.rstrip("?") for i in table)
        bands = {i.rstrip("?"): "unsure" for i in table if i.endswith("?")}
        return FakeResult(intents, {i: 1.0 for i in intents}, bands)
