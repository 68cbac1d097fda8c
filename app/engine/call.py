"""The call engine: a state machine driven by timestamped trainee actions.

`Call` knows nothing about windows, sound or wall clocks: every action carries its time `t`
(seconds since the call connected). The GUI passes real time, headless runs a virtual clock;
both get the same events for the same actions at the same times. Every action and every
reaction is appended to `events`; replaying the input events rebuilds the call exactly.

Which handler fires, and when silence fires, is described in docs/scenario-format.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from app.engine import events as ev
from app.engine.events import Event
from app.engine.timing import speaking_rate, speech_seconds
from app.matching import UNSURE, IntentMatcher
from app.scenario import expr
from app.scenario.model import Answer, Computed, Handler, Line, Say, Scenario, SetValue


class CallEnded(Exception):
    """An action arrived after the call had ended."""


@dataclass
class CallState:
    state: str
    variables: dict[str, bool | int | str]
    counts: dict[str, int] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    log: dict[str, str] = field(default_factory=dict)
    marks: set[str] = field(default_factory=set)
    fired: set[str] = field(default_factory=set)  # handler keys that have fired (for `once`)
    seq_pos: dict[str, int] = field(default_factory=dict)  # sequence progress per handler/state
    timers_done: set[str] = field(default_factory=set)  # time handlers fired or passed by
    state_since: float = 0.0  # when the call entered the current state (for `in_state`)
    mark_times: dict[str, float] = field(default_factory=dict)  # the first time of each mark
    started_at: float = 0.0
    busy_until: float = 0.0  # when the caller finishes the lines already spoken
    last_activity: float = 0.0  # for silence: the last thing anyone said or did
    last_speech: float = 0.0  # for `counts: speech` silence: the last line said to her
    now: float = 0.0
    ended_by: str | None = None


class Call:
    def __init__(self, scenario: Scenario, matcher: IntentMatcher) -> None:
        self.scenario = scenario
        self.matcher = matcher
        self.events: list[Event] = []
        defaults = {k: v.default for k, v in scenario.variables.items()}
        self.st = CallState(state=scenario.start, variables=defaults)
        self._closing = frozenset(i.id for i in scenario.intents.values() if i.closing)
        self._started = False

    # -- public actions ----------------------------------------------------------------------
    @property
    def ended(self) -> bool:
        return self.st.ended_by is not None

    def start(self, t: float = 0.0) -> list[Event]:
        """Connect the call: the start state's lines (if any) are spoken first."""
        if self._started:
            raise RuntimeError("the call has already started")
        self._started = True
        mark = len(self.events)
        self.st.now = self.st.last_activity = self.st.last_speech = self.st.busy_until = t
        self.st.state_since = self.st.started_at = t
        self._emit(t, ev.CALL_STARTED, {"scenario": self.scenario.id})
        state = self.scenario.states[self.scenario.start]
        self._speak(state.say, f"states.{state.id}.say", t)
        return self.events[mark:]

    def say(self, text: str, t: float) -> list[Event]:
        """The trainee typed `text` and pressed Enter at time `t`."""
        mark = self._begin(t)
        self.st.last_speech = max(self.st.last_speech, t)
        result = self.matcher.match(text)
        heard = tuple(result.intents)
        unsure = [i for i in heard if result.bands.get(i) == UNSURE]
        # The caller acts only on what was heard with confidence; an unsure intent is still
        # recorded (the rubric gives it to an assessor: `check`).
        intents = tuple(i for i in heard if i not in unsure)
        if unsure and not intents and self.scenario.clarify is None:
            intents = heard  # nobody to ask: she answers the best guess (scored `check`)
        st = self.st
        self._count("turns")
        for i in intents:
            self._count(i)
        data: dict[str, Any] = {
            "text": text,
            "intents": list(heard),
            "scores": {k: result.scores[k] for k in sorted(result.scores)},
        }
        if unsure:
            data["unsure"] = unsure
        self._emit(t, ev.TRAINEE_SAID, data)
        state_before = st.state
        if unsure and not intents and self.scenario.clarify is not None:
            # Unsure of everything heard: she asks what was meant instead of answering a guess.
            n = self._count("clarify")
            self._emit(t, ev.CLARIFY, {"n": n, "intents": unsure})
            self._speak(self.scenario.clarify, "clarify", t)
        else:
            self._reply(intents, t)
        if not self.ended:
            # `any_line`: after the line's reply, as its own event; a line moves the call once
            turns = st.counts["turns"]
            any_line = self._first(
                self._specific(), lambda h: turns if h.trigger == "any_line" else None, t
            )
            if any_line is not None:
                self._fire(any_line, t, "any_line", goto=st.state == state_before)
        return self.events[mark:]

    def _reply(self, intents: tuple[str, ...], t: float) -> None:
        """The caller's reply to a line she heard (not one she asks to have repeated)."""
        st = self.st
        closing = any(i in self._closing for i in intents)
        if closing:
            n = self._count("closing_attempt")
            self._emit(t, ev.CLOSING_ATTEMPT, {"n": n})
        if not intents:
            self._emit(t, ev.UNMATCHED, {"n": st.counts.get("unmatched", 0) + 1})
            self._count("unmatched")
        if self.scenario.replies == "each":
            replied = self._reply_to_each(intents, t)
        else:
            replied = self._reply_once(intents, closing, t)
        if not replied and not self.ended:
            n = self._count("fallback")
            self._fire_first(self._fallbacks(), lambda h: n, t, "fallback")

    def _reply_once(self, intents: tuple[str, ...], closing: bool, t: float) -> bool:
        """`replies: first`: the first handler that takes the line, else the answer to the
        first intent (in the order said) that has one. False: nothing took the line."""
        st = self.st

        def takes(h: Handler) -> int | None:
            if h.trigger == "intent":
                hit = [i for i in h.intents if i in intents]
                return st.counts.get(hit[0], 0) if hit else None
            if h.trigger == "closing_attempt" and closing:
                return st.counts.get("closing_attempt", 0)
            return None

        if self._fire_first(self._specific(), takes, t, "say"):
            return True
        for i in intents:
            answer = self._answer_for(i)
            if answer is not None:
                self._answer(answer, t)
                return True
        return False

    def _reply_to_each(self, intents: tuple[str, ...], t: float) -> bool:
        """`replies: each`: each part of the line, in the order said, gets the reply its
        intent would get alone (handler, else answer), all in one turn. The rules
        (docs/scenario-format.md, "The caller's answers"): each part is answered in the state
        the call is in by then; a handler fires at most once a line, and a part it also
        answers (it lists that intent too, or the line's closing attempt) is not answered
        again; the closing attempt is answered once; the first handler that moves the call
        to another state does, and later `goto`s in the same line are ignored (their other
        effects happen); after a `hang_up` nothing more is answered."""
        st = self.st
        fired: set[str] = set()
        covered: set[str] = set()
        closing_answered = False  # the line's closing attempt has had its reply
        moved = False
        replied = False
        for part in dict.fromkeys(intents):
            if self.ended:
                break
            if part in covered:
                continue
            takes = partial(
                self._takes_part, part=part, fired=frozenset(fired), closing_done=closing_answered
            )
            handler = self._first(self._specific(), takes, t)
            if handler is not None:
                fired.add(handler.key)
                took = {part, *(i for i in intents if i in handler.intents)}
                if handler.trigger == "closing_attempt" or took & self._closing:
                    closing_answered = True
                    took.update(i for i in intents if i in self._closing)
                covered |= took
                before = st.state
                self._fire(handler, t, "say", goto=not moved)
                moved = moved or st.state != before
                replied = True
                continue
            answer = self._answer_for(part)
            if answer is not None:
                covered.add(part)
                self._answer(answer, t)
                replied = True
        return replied

    def _takes_part(
        self, h: Handler, *, part: str, fired: frozenset[str], closing_done: bool
    ) -> int | None:
        """Whether `h` replies to one part of a line (its count for `nth`, or None)."""
        if h.key in fired:
            return None
        if h.trigger == "intent" and part in h.intents:
            return self.st.counts.get(part, 0)
        if h.trigger == "closing_attempt" and part in self._closing and not closing_done:
            return self.st.counts.get("closing_attempt", 0)
        return None

    def _answer_for(self, intent: str) -> Answer | None:
        """The caller's answer to `intent` here: the state's own, else the file's."""
        own = self.scenario.states[self.st.state].answers.get(intent)
        return own if own is not None else self.scenario.answers.get(intent)

    def _answer(self, answer: Answer, t: float) -> None:
        data = {"handler": answer.key, "trigger": "answer", "intent": answer.intent}
        self._emit(t, ev.HANDLER_FIRED, data)
        self._speak(answer.say, answer.key, t)

    def typing(self, t: float, *, log: bool = False) -> list[Event]:
        """The trainee is composing a line (or, with `log`, typing in the log): that is
        activity, not silence. Composing a line is speaking to her too (`counts: speech`
        silence waits for it); typing in the log is not. Callers throttle this (the window
        sends it at most every couple of seconds while keys are pressed)."""
        mark = self._begin(t)
        if not log:
            self.st.last_speech = max(self.st.last_speech, t)
        self._emit(t, ev.TRAINEE_TYPING, {"log": True} if log else {})
        return self.events[mark:]

    def raise_flag(self, flag: str, t: float) -> list[Event]:
        return self._flag(flag, True, t)

    def lower_flag(self, flag: str, t: float) -> list[Event]:
        return self._flag(flag, False, t)

    def set_log(self, field_id: str, value: str, t: float) -> list[Event]:
        """A log field's new text. Allowed after the call has ended too (handlers write up
        their log once the line is closed; nothing typed is lost), but then no handler fires."""
        if field_id not in self.scenario.log_fields:
            raise KeyError(f"unknown log field '{field_id}'")
        if self.ended:
            if self.st.log.get(field_id, "") == value:
                return []
            self.st.log[field_id] = value
            self._emit(max(t, self.st.now), ev.LOG_CHANGED, {"field": field_id, "value": value})
            return self.events[-1:]
        mark = self._begin(t)
        if self.st.log.get(field_id, "") == value:
            return []
        self.st.log[field_id] = value
        self._emit(t, ev.LOG_CHANGED, {"field": field_id, "value": value})
        n = self._count(f"log_changed.{field_id}")
        self._fire_first(
            self._specific(),
            lambda h: n if h.trigger == "log_changed" and h.field in (None, field_id) else None,
            t,
            "log_changed",
        )
        return self.events[mark:]

    def end_call(self, t: float) -> list[Event]:
        """The trainee hangs up: at once, whatever the caller was saying."""
        mark = self._begin(t)
        self._emit(t, ev.TRAINEE_ENDED, {})
        self._end("trainee", t)
        return self.events[mark:]

    def advance(self, t: float) -> list[Event]:
        """Move the clock to `t`, firing every timed and silence handler that falls due on the
        way, in time order (a timed handler first when both fall due at once)."""
        if self.ended or not self._started:
            return []
        mark = len(self.events)
        while not self.ended:
            timer, silence = self.next_timer(), self.next_silence()
            if timer is not None and (silence is None or timer[0] <= silence[0] + 1e-9):
                if timer[0] > t + 1e-9:
                    break
                self._fire_timer(*timer)
                continue
            if silence is None or silence[0] > t + 1e-9:
                break
            when, handler = silence
            self._emit(when, ev.TIME_PASSED, {})
            n = self._count("silence")
            silent_for = round(when - self._silent_since(handler), 3)
            self._emit(when, ev.SILENCE, {"n": n, "silent_for": silent_for})
            self.st.now = when
            self._fire(handler, when, "silence")
            # a silence fired restarts both silence clocks (else it would be due again at once)
            self.st.last_activity = max(self.st.last_activity, when)
            self.st.last_speech = max(self.st.last_speech, when)
        self.st.now = max(self.st.now, t)
        return self.events[mark:]

    def next_timer(self) -> tuple[float, Handler] | None:
        """The next timed handler due (`event: time`), and when, if nothing else happens.
        A state's timed handler is live only while the call is in that state: one due before
        the call entered it never fires. Each fires at most once a call; one whose conditions
        do not hold when it falls due is passed by for good."""
        if self.ended or not self._started:
            return None
        st = self.st
        state = self.scenario.states[st.state]
        best: tuple[float, Handler] | None = None
        for live_since, handlers in (
            (st.state_since, state.on),
            (st.started_at, self.scenario.global_handlers),
        ):
            for h in handlers:
                if h.trigger != "time" or h.key in st.timers_done:
                    continue
                due = self._timer_due(h)
                if due is None or due + 1e-9 < live_since:
                    continue
                if best is None or due < best[0] - 1e-9:
                    best = (due, h)
        return best

    def _timer_due(self, h: Handler) -> float | None:
        st = self.st
        if h.in_state is not None:
            return round(st.state_since + h.in_state, 3)
        if h.after_mark is not None:
            since = st.mark_times.get(h.after_mark)
            return None if since is None else round(since + (h.at or 0.0), 3)
        return round(st.started_at + (h.at or 0.0), 3)

    def _fire_timer(self, when: float, h: Handler) -> None:
        st = self.st
        st.timers_done.add(h.key)
        when = max(when, st.now)  # due while an action was being handled: fires right after
        if not self._conditions(h, 0, when):
            return
        self._emit(when, ev.TIME_PASSED, {})
        n = self._count("timer")
        self._emit(when, ev.TIMER, {"n": n, "handler": h.key})
        st.now = when
        self._fire(h, when, "time")

    def next_silence(self) -> tuple[float, Handler] | None:
        """When the next silence handler would fire if nothing else happens, and which."""
        if self.ended or not self._started:
            return None
        n = self.st.counts.get("silence", 0) + 1
        best: tuple[float, Handler] | None = None
        for h in self._specific():
            if h.trigger != "silence" or h.after is None:
                continue
            at = round(self._silent_since(h) + h.after, 3)
            if (best is None or at < best[0]) and self._conditions(h, n, at, {"silence": n}):
                best = (at, h)
        return best

    # -- internals ---------------------------------------------------------------------------
    def _begin(self, t: float) -> int:
        if not self._started:
            raise RuntimeError("start() the call first")
        if self.ended:
            raise CallEnded("the call has ended")
        if t + 1e-9 < self.st.now:
            raise ValueError(f"time went backwards ({t} < {self.st.now})")
        self.advance(t)
        if self.ended:  # a silence handler hung up before this action
            raise CallEnded("the caller hung up")
        self.st.now = t
        self.st.last_activity = max(self.st.last_activity, t)
        return len(self.events)

    def _silent_since(self, h: Handler) -> float:
        """Since when it has been silent for this silence handler: since the caller last
        spoke, or the trainee last did anything (`counts: any_input`, the default) or last
        said or composed a line (`counts: speech`)."""
        st = self.st
        last = st.last_speech if h.counts == "speech" else st.last_activity
        return max(last, st.busy_until)

    def _flag(self, flag: str, raised: bool, t: float) -> list[Event]:
        if flag not in self.scenario.flags:
            raise KeyError(f"unknown flag '{flag}'")
        mark = self._begin(t)
        if (flag in self.st.flags) == raised:
            return []  # already in that position: nothing happened
        (self.st.flags.add if raised else self.st.flags.discard)(flag)
        kind = ev.FLAG_RAISED if raised else ev.FLAG_LOWERED
        self._emit(t, kind, {"flag": flag})
        n = self._count(f"{kind}.{flag}")
        took = self._fire_first(
            self._specific(),
            lambda h: n if h.trigger == kind and h.flag == flag else None,
            t,
            kind,
        )
        if raised:
            # `any_flag`: a raised flag that no `flag_raised` handler took (as the fallback is
            # to lines); its `nth` counts every flag raised
            n_any = self._count("flags_raised")
            if not took:
                self._fire_first(
                    self._specific(),
                    lambda h: n_any if h.trigger == "any_flag" else None,
                    t,
                    "any_flag",
                )
        return self.events[mark:]

    def _specific(self) -> list[Handler]:
        state = self.scenario.states[self.st.state]
        own = [h for h in state.on if h.trigger != "fallback"]
        return own + [h for h in self.scenario.global_handlers if h.trigger != "fallback"]

    def _fallbacks(self) -> list[Handler]:
        state = self.scenario.states[self.st.state]
        own = [h for h in state.on if h.trigger == "fallback"]
        return own + [h for h in self.scenario.global_handlers if h.trigger == "fallback"]

    def _fire_first(
        self, handlers: Iterable[Handler], count_for: Any, t: float, trigger: str
    ) -> bool:
        h = self._first(handlers, count_for, t)
        if h is not None:
            self._fire(h, t, trigger)
        return h is not None

    def _first(self, handlers: Iterable[Handler], count_for: Any, t: float) -> Handler | None:
        """The first handler that takes the event (`count_for` gives its count, or None when
        it does not take it) and whose conditions hold."""
        for h in handlers:
            n = count_for(h)
            if n is not None and self._conditions(h, n, t):
                return h
        return None

    def _conditions(
        self, h: Handler, n: int, t: float, counts: dict[str, int] | None = None
    ) -> bool:
        """`counts` overrides counters for a event not yet counted (silence is only counted
        once we know a handler will take it, but conditions must see it counted)."""
        if h.nth is not None and n != h.nth:
            return False
        if h.once and h.key in self.st.fired:
            return False
        if h.when is not None:
            return bool(expr.evaluate(h.when, lambda name: self._lookup(name, t, counts)))
        return True

    def _lookup(
        self, name: expr.Name, t: float, counts: dict[str, int] | None = None
    ) -> expr.Value:
        st = self.st
        if counts and name.namespace == "count" and name.name in counts:
            return counts[name.name]
        if name.namespace is None:
            if name.name == "elapsed":
                return t
            if name.name == "state":
                return st.state
            return st.variables[name.name]
        if name.namespace == "count":
            return st.counts.get(name.name, 0)
        if name.namespace == "asked":
            return st.counts.get(name.name, 0) > 0
        if name.namespace == "flags":
            return name.name in st.flags
        if name.namespace == "log":
            return bool(st.log.get(name.name, "").strip())
        return name.name in st.marks  # marked.X

    def _fire(self, h: Handler, t: float, trigger: str, *, goto: bool = True) -> None:
        """Fire `h`; with `goto=False` its `goto` is ignored (the line has moved the call
        already: one state change a line)."""
        st = self.st
        st.fired.add(h.key)
        data: dict[str, Any] = {"handler": h.key, "trigger": trigger}
        if not goto and h.goto is not None and h.goto != st.state:
            data["goto_ignored"] = h.goto
        self._emit(t, ev.HANDLER_FIRED, data)
        # every value is worked out from the variables as they were before the handler fired
        values = [(name, self._set_value(name, value, t)) for name, value in h.set]
        for name, new in values:
            st.variables[name] = new
        for name, amount in h.add:
            current = st.variables[name]
            assert isinstance(current, int)
            st.variables[name] = int(expr.clamp(current + amount))
        if h.mark:
            st.marks.add(h.mark)
            st.mark_times.setdefault(h.mark, t)
            self._emit(t, ev.MARK, {"name": h.mark})
        self._speak(h.say, h.key, t)
        if goto and h.goto is not None and h.goto != st.state:  # staying put changes nothing
            self._emit(t, ev.STATE_CHANGED, {"from": st.state, "to": h.goto})
            st.state = h.goto
            st.state_since = t
            target = self.scenario.states[h.goto]
            self._speak(target.say, f"states.{target.id}.say", t)
        if h.hang_up:
            self._end("caller", max(t, st.busy_until))

    def _set_value(self, name: str, value: SetValue, t: float) -> bool | int | str:
        """A `set:` value; `{expr: ...}` worked out now, as the variable's type (a number for
        an int variable rounded down: `elapsed` is in seconds with decimals)."""
        if not isinstance(value, Computed):
            return value
        got = expr.evaluate(value.expr, lambda n: self._lookup(n, t))
        vtype = self.scenario.variables[name].type
        if vtype == "bool":
            return bool(got)
        if vtype == "str":
            return got if isinstance(got, str) else str(got)
        if isinstance(got, bool) or not isinstance(got, int | float):
            return 0  # the loader refuses this; never an exception mid-call
        return int(math.floor(expr.clamp(got)))

    def _speak(self, say: Say | None, key: str, t: float) -> None:
        if say is None or not say.lines:
            return
        lines: tuple[Line, ...]
        if say.sequence:
            pos = self.st.seq_pos.get(key, 0)
            lines = (say.lines[min(pos, len(say.lines) - 1)],)
            self.st.seq_pos[key] = pos + 1
        else:
            lines = say.lines
        for line in lines:
            start = round(max(t, self.st.busy_until) + line.pause_before, 3)
            duration = speech_seconds(line.text, self._rate(line))
            data: dict[str, Any] = {
                "line_id": line.id,
                "text": line.shown,  # what the trainee reads (the caption)
                "emotion": line.emotion or self.scenario.caller.default_emotion,
                "duration": duration,
            }
            if not line.voice:
                data["voice"] = False  # shown, never spoken
            elif line.shown != line.text:
                data["spoken"] = line.text
            self._emit(start, ev.CALLER_SAID, data)
            self.st.busy_until = round(start + duration, 3)

    def _rate(self, line: Line) -> float:
        emotion = line.emotion or self.scenario.caller.default_emotion
        em = self.scenario.emotions.get(emotion) if emotion else None
        return speaking_rate(self.scenario.caller.voice.rate, em.rate if em else 1.0)

    def _end(self, by: str, t: float) -> None:
        if self.ended:
            return
        self.st.ended_by = by
        self._emit(t, ev.CALL_ENDED, {"by": by})

    def _count(self, key: str) -> int:
        self.st.counts[key] = self.st.counts.get(key, 0) + 1
        return self.st.counts[key]

    def _emit(self, t: float, kind: str, data: dict[str, Any]) -> None:
        self.events.append(Event(len(self.events), round(t, 3), kind, data))


@dataclass(frozen=True)
class Heard:
    intents: tuple[str, ...]
    scores: dict[str, float]
    bands: dict[str, str] = field(default_factory=dict)


class RecordedMatcher:
    """Answers each trainee line, in order, with the intents recorded when it was said. A
    replay built with it checks the engine and the event log (every reaction follows from the
    actions), at engine speed, whatever today's matcher would make of the words."""

    def __init__(self, events: Iterable[Event]) -> None:
        self._answers = [
            (
                str(e.data["text"]),
                tuple(e.data.get("intents", [])),
                dict(e.data.get("scores", {})),
                {str(i): UNSURE for i in e.data.get("unsure", [])},
            )
            for e in events
            if e.kind == ev.TRAINEE_SAID
        ]
        self._next = 0

    def match(self, text: str) -> Heard:
        if self._next >= len(self._answers):
            raise ValueError("more trainee lines than the record holds")
        said, intents, scores, bands = self._answers[self._next]
        self._next += 1
        if said != text:
            raise ValueError(f"trainee line {self._next} is not the one recorded")
        return Heard(intents, scores, bands)


def replay(scenario: Scenario, matcher: IntentMatcher, inputs: Iterable[Event]) -> Call:
    """Rebuild a call from its input events (as stored): the same engine, the same result."""
    call = Call(scenario, matcher)
    for e in inputs:
        if e.kind == ev.CALL_STARTED:
            call.start(e.t)
        elif call.ended and e.kind != ev.LOG_CHANGED:
            continue  # only log write-up can follow the end of a call
        else:
            try:
                _apply(call, e)
            except CallEnded:
                break
    return call


def _apply(call: Call, e: Event) -> None:
    if e.kind == ev.TRAINEE_SAID:
        call.say(str(e.data["text"]), e.t)
    elif e.kind == ev.FLAG_RAISED:
        call.raise_flag(str(e.data["flag"]), e.t)
    elif e.kind == ev.FLAG_LOWERED:
        call.lower_flag(str(e.data["flag"]), e.t)
    elif e.kind == ev.LOG_CHANGED:
        call.set_log(str(e.data["field"]), str(e.data["value"]), e.t)
    elif e.kind == ev.TRAINEE_ENDED:
        call.end_call(e.t)
    elif e.kind == ev.TIME_PASSED:
        call.advance(e.t)
    elif e.kind == ev.TRAINEE_TYPING:
        call.typing(e.t, log=bool(e.data.get("log")))
