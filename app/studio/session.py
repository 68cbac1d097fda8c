"""Play as you write: talk to the caller of the file being edited, and keep the conversation
through edits.

A `PlaySession` keeps the trainee's steps (`say`, `flag`, `unflag`, `wait`, `end_call`) and
plays them through the engine on the same virtual clock as `callsim test`, so a run turned
into a playtest (`playtest_draft`) plays back exactly as it went here. After an edit the
studio hands it the reloaded scenario; it replays the steps and reports which turns now go
differently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.engine import events as ev
from app.engine.call import Call, CallEnded
from app.engine.events import Event
from app.headless import Run, play_step
from app.matching import IntentMatcher
from app.scenario.model import Scenario, Step
from app.scoring.result import Result
from app.scoring.score import score_call

_SIGNATURE_KINDS = (ev.HANDLER_FIRED, ev.CALLER_SAID, ev.STATE_CHANGED, ev.CALL_ENDED)


@dataclass(frozen=True)
class Turn:
    """One trainee step and everything it caused (turn 0: the call connecting)."""

    index: int
    step: Step | None
    events: tuple[Event, ...]
    ignored: bool = False  # the call had already ended: the engine did nothing with it

    @property
    def heard(self) -> Event | None:
        """The `trainee_said` event (intents and scores), for a `say` step."""
        return next((e for e in self.events if e.kind == ev.TRAINEE_SAID), None)

    @property
    def handlers(self) -> list[tuple[str, str]]:
        """(handler key, trigger) of each handler that fired, in order."""
        return [
            (str(e.data["handler"]), str(e.data["trigger"]))
            for e in self.events
            if e.kind == ev.HANDLER_FIRED
        ]

    @property
    def caller_lines(self) -> list[str]:
        return [str(e.data["line_id"]) for e in self.events if e.kind == ev.CALLER_SAID]

    def signature(self) -> tuple[Any, ...]:
        """What the turn did, without times (edited text may change how long lines take)."""
        heard = self.heard
        intents = tuple(heard.data["intents"]) if heard is not None else ()
        rest = tuple(
            (e.kind, e.data.get("handler") or e.data.get("line_id") or e.data.get("to") or "")
            if e.kind != ev.CALL_ENDED
            else (e.kind, e.data["by"])
            for e in self.events
            if e.kind in _SIGNATURE_KINDS
        )
        return (intents, self.ignored, rest)


@dataclass(frozen=True)
class Change:
    """A turn that went differently after a reload (`after` None: the step was dropped)."""

    index: int
    before: Turn | None
    after: Turn | None
    reason: str = ""  # "changed", "dropped" (refers to something gone), "new"


@dataclass
class PlaytestDraft:
    """A run as playtest data: steps with `caller:` checks, and what the result was."""

    name: str
    steps: list[Step] = field(default_factory=list)
    passed: bool | None = None
    ended_by: str | None = None


class PlaySession:
    """The conversation so far with one scenario, replayable against a newer version."""

    def __init__(self, scenario: Scenario, matcher: IntentMatcher) -> None:
        self.scenario = scenario
        self.matcher = matcher
        self.steps: list[Step] = []
        self.turns: list[Turn] = []
        self._result: Result | None = None
        self._start()

    # -- actions ----------------------------------------------------------------------------
    def say(self, text: str) -> Turn:
        return self._add(Step("say", text=text))

    def flag(self, flag_id: str, raised: bool) -> Turn:
        if flag_id not in self.scenario.flags:
            raise KeyError(f"unknown flag '{flag_id}'")
        return self._add(Step("flag" if raised else "unflag", text=flag_id))

    def wait(self, seconds: float) -> Turn:
        return self._add(Step("wait", seconds=float(seconds)))

    def end_call(self) -> Turn:
        return self._add(Step("end_call"))

    def restart(self) -> None:
        self.steps = []
        self._start()

    def reload(self, scenario: Scenario, matcher: IntentMatcher) -> list[Change]:
        """Play the same steps against `scenario`; the turns that now go differently."""
        before = list(self.turns)
        kept: list[Step] = []
        dropped: list[Change] = []
        for i, step in enumerate(self.steps, 1):
            if step.kind in ("flag", "unflag") and step.text not in scenario.flags:
                dropped.append(Change(i, before[i] if i < len(before) else None, None, "dropped"))
            else:
                kept.append(step)
        self.scenario, self.matcher = scenario, matcher
        self.steps = []
        self._start()
        for step in kept:
            self._add(step)
        changes = dropped
        after = {id(t.step): t for t in self.turns if t.step is not None}
        for old in before:
            new = self.turns[0] if old.step is None else after.get(id(old.step))
            if new is not None and new.signature() != old.signature():
                changes.append(Change(old.index, old, new, "changed"))
        return sorted(changes, key=lambda c: c.index)

    # -- state ------------------------------------------------------------------------------
    @property
    def call(self) -> Call:
        return self._call

    @property
    def ended(self) -> bool:
        return self._call.ended

    @property
    def flags_raised(self) -> set[str]:
        return set(self._call.st.flags)

    @property
    def now(self) -> float:
        return self._clock

    def result(self) -> Result:
        """The rubric result of the call as it stands (scored now, cached until it changes)."""
        if self._result is None:
            self._result = score_call(self.scenario, self._call.events)
        return self._result

    def playtest_draft(self, name: str) -> PlaytestDraft:
        """The run as a playtest: each step, then a `caller:` check of each line it drew;
        steps the engine ignored (after the call ended) are left out."""
        draft = PlaytestDraft(name)
        for turn in self.turns:
            if turn.ignored:
                continue
            if turn.step is not None:
                draft.steps.append(turn.step)
            draft.steps.extend(Step("caller", text=lid) for lid in turn.caller_lines)
        result = self.result()
        draft.passed = bool(result["passed"])
        draft.ended_by = result.get("ended_by") or None
        return draft

    # -- internals --------------------------------------------------------------------------
    def _start(self) -> None:
        self._call = Call(self.scenario, self.matcher)
        self._call.start(0.0)
        self._clock = self._call.st.busy_until
        self._run = Run(self._call)
        self._result = None
        self.turns = [Turn(0, None, tuple(self._call.events))]

    def _add(self, step: Step) -> Turn:
        call = self._call
        mark = len(call.events)
        index = len(self.steps) + 1
        self.steps.append(step)
        ignored = call.ended
        if not ignored:
            try:
                self._clock = play_step(call, step, self._clock, self._run, f"step {index}")
            except CallEnded:  # a silence handler hung up before the step
                ignored = True
        events = tuple(e for e in call.events[mark:] if e.kind != ev.TRAINEE_TYPING)
        turn = Turn(index, step, events, ignored)
        self.turns.append(turn)
        self._result = None
        return turn


@dataclass(frozen=True)
class PlaytestOutcome:
    name: str
    line: int  # where the playtest is defined
    failures: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


def run_playtests(scenario: Scenario, matcher: IntentMatcher) -> list[PlaytestOutcome]:
    """Every playtest of the scenario, in file order, with its failures (empty: it passed)."""
    from app.headless import run_playtest

    return [
        PlaytestOutcome(pt.name, pt.pos.line, tuple(run_playtest(scenario, pt, matcher)))
        for pt in scenario.playtests
    ]
