"""The typed scenario model: what a scenario file means once it has been loaded and checked.

Every object remembers where it came from (`pos`, and `key_pos` for individual keys) so that
later checks can report `path:line:col`. The model is immutable: the engine never changes it.
See docs/scenario-format.md for the meaning of each field.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Literal

from app.scenario.expr import Expr
from app.scenario.shown import Shown as Shown  # defined apart: see that module
from app.scenario.vocabulary import CriterionKind, Status


@dataclass(frozen=True)
class Pos:
    """A 1-based line and column in a scenario file."""

    line: int
    col: int


NOWHERE = Pos(0, 0)


@dataclass(frozen=True)
class Line:
    id: str
    text: str  # what the voice says (for a line with `voice: false`, what happens)
    emotion: str | None = None
    note: str | None = None
    pause_before: float = 0.0
    pos: Pos = NOWHERE
    caption: str | None = None  # what the trainee reads, where it differs from `text`
    voice: bool = True  # False: never spoken (a cough, a sob), only shown

    @property
    def shown(self) -> str:
        """What the trainee reads: the caption, else the text."""
        return self.caption if self.caption is not None else self.text


@dataclass(frozen=True)
class Say:
    """What a handler or state says: all `lines` in order, or one per firing if `sequence`."""

    lines: tuple[Line, ...]
    sequence: bool = False
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Pattern:
    any: tuple[str, ...] = ()
    all: tuple[str, ...] = ()
    pos: Pos = NOWHERE
    ordered: bool = False  # `all` phrases must come in the order written
    near: int | None = None  # `all` phrases must lie within this many words of each other


@dataclass(frozen=True)
class Intent:
    id: str
    examples: tuple[str, ...] = ()
    patterns: tuple[Pattern, ...] = ()
    not_examples: tuple[str, ...] = ()
    closing: bool = False
    description: str | None = None
    pos: Pos = NOWHERE
    threshold: float | None = None  # the matcher's bar for this intent (None: its default)
    origin: str | None = None  # "uk-call-handling@1" for an intent taken from a library


@dataclass(frozen=True)
class Computed:
    """A `set:` value worked out when the handler fires: `{expr: ...}`."""

    expr: Expr
    source: str
    pos: Pos = NOWHERE  # where the expression's text starts


SetValue = bool | int | str | Computed


Trigger = Literal[
    "intent", "closing_attempt", "silence", "flag_raised", "flag_lowered", "log_changed",
    "any_line", "any_flag", "time", "fallback",
]  # fmt: skip


@dataclass(frozen=True)
class Handler:
    key: str  # unique within the scenario, e.g. "states.opening.on[2]" or "global[0]"
    trigger: Trigger
    intents: tuple[str, ...] = ()
    flag: str | None = None
    field: str | None = None
    after: float | None = None
    counts: Literal["any_input", "speech"] = "any_input"  # silence: what breaks it
    at: float | None = None  # time: call time (or time since `after_mark`)
    in_state: float | None = None  # time: time in the current state
    after_mark: str | None = None  # time: `at` counts from this mark
    nth: int | None = None
    once: bool = False
    when: Expr | None = None
    say: Say | None = None
    set: tuple[tuple[str, SetValue], ...] = ()
    add: tuple[tuple[str, int], ...] = ()
    goto: str | None = None
    mark: str | None = None
    hang_up: bool = False
    pos: Pos = NOWHERE
    key_pos: dict[str, Pos] = dc_field(default_factory=dict, compare=False, hash=False)

    def where(self, key: str) -> Pos:
        return self.key_pos.get(key, self.pos)


@dataclass(frozen=True)
class Answer:
    """How the caller answers one intent, in character: tried when no handler takes it."""

    intent: str
    say: Say
    key: str  # unique within the scenario: "answers.X" or "states.S.answers.X"
    pos: Pos = NOWHERE  # of the intent id written as the key


@dataclass(frozen=True)
class State:
    id: str
    say: Say | None = None
    on: tuple[Handler, ...] = ()
    description: str | None = None
    pos: Pos = NOWHERE
    answers: dict[str, Answer] = dc_field(default_factory=dict)  # by intent id


@dataclass(frozen=True)
class Emotion:
    rate: float = 1.0
    pitch: int = 0
    volume: int = 0


@dataclass(frozen=True)
class Voice:
    rate: float = 1.0
    pitch: int = 0
    volume: int = 0
    gender: Literal["female", "male", "neutral"] = "neutral"


@dataclass(frozen=True)
class Caller:
    name: str
    voice: Voice = Voice()
    default_emotion: str | None = None


@dataclass(frozen=True)
class Variable:
    id: str
    type: Literal["bool", "int", "str"]
    default: bool | int | str
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Flag:
    id: str
    label: str
    description: str | None = None
    practice_only: bool = False  # assessment mode leaves it off the call screen
    pos: Pos = NOWHERE
    # the keys the scenario file itself wrote (a standard flag it did not refine has none)
    key_pos: dict[str, Pos] = dc_field(default_factory=dict, compare=False, hash=False)
    origin: str | None = None  # "uk-control-room@1" for a flag of the standard log


@dataclass(frozen=True)
class LogField:
    id: str
    label: str
    multiline: bool = False
    practice_only: bool = False  # assessment mode leaves it off the call screen
    pos: Pos = NOWHERE
    key_pos: dict[str, Pos] = dc_field(default_factory=dict, compare=False, hash=False)
    origin: str | None = None  # "uk-control-room@1" for a field of the standard log


AnchorKind = Literal["line", "mark", "flag", "intent"]


@dataclass(frozen=True)
class Anchor:
    kind: AnchorKind
    ref: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.ref}"


EvidenceKind = Literal["intent", "flag", "log", "line", "mark", "ended_by", "all", "any", "not"]


@dataclass(frozen=True)
class Evidence:
    kind: EvidenceKind
    ref: str = ""  # intent/flag/log field/line id/mark name, or "trainee"/"caller"
    held_at_end: bool = False
    contains_any: tuple[str, ...] = ()
    after: Anchor | None = None
    before: Anchor | None = None
    within: float | None = None
    children: tuple[Evidence, ...] = ()  # all/any: the items; not: the one it negates
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    weight: float
    evidence: Evidence | None  # None only for a manual criterion
    kind: CriterionKind = CriterionKind.REQUIRED
    critical: bool = False
    feedback_met: str | None = None
    feedback_missed: str | None = None
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Metric:
    id: str
    at: Anchor | None = None
    start: Anchor | None = None  # `from:` in the file
    end: Anchor | None = None  # `to:` in the file
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Rubric:
    pass_mark: float
    criteria: tuple[Criterion, ...]
    metrics: tuple[Metric, ...] = ()


@dataclass(frozen=True)
class Debrief:
    summary: str | None = None
    questions: tuple[str, ...] = ()
    learning_points: tuple[str, ...] = ()


StepKind = Literal["say", "wait", "flag", "unflag", "log", "end_call", "caller"]


@dataclass(frozen=True)
class Step:
    """One step of the trainee step language (contract §2)."""

    kind: StepKind
    text: str = ""  # say: the words; flag/unflag: flag id; caller: line id
    seconds: float = 0.0  # wait
    log: tuple[tuple[str, str], ...] = ()  # log: field -> value
    expect_intent: tuple[str, ...] = ()  # say: intents that must be among those heard
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Expect:
    passed: bool | None = None
    score_min: float | None = None
    score_max: float | None = None
    critical_failures: tuple[str, ...] | None = None
    criteria: tuple[tuple[str, Status], ...] = ()
    ended_by: str | None = None
    pos: Pos = NOWHERE


@dataclass(frozen=True)
class Playtest:
    name: str
    steps: tuple[Step, ...]
    expect: Expect | None = None
    pos: Pos = NOWHERE


Replies = Literal["first", "each"]


@dataclass(frozen=True)
class Assessment:
    """Neutral texts for assessment mode (`assessment:` in the file); None: use the full one."""

    title: str | None = None
    summary: str | None = None
    content_note: str | None = None
    spoilers: tuple[str, ...] = ()
    pos: Pos = NOWHERE
    key_pos: dict[str, Pos] = dc_field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class CallInfo:
    """What the control room's screen shows about the call as it comes in (`call_info:`)."""

    number: str | None = None
    phone: str | None = None  # mobile, landline, payphone or unknown
    location: str | None = None
    previous_incidents: tuple[str, ...] | None = None  # None: not given; (): none known
    time: str | None = None
    key_pos: dict[str, Pos] = dc_field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    start: str
    caller: Caller
    intents: dict[str, Intent]
    states: dict[str, State]
    rubric: Rubric
    global_handlers: tuple[Handler, ...] = ()
    summary: str | None = None
    expected_minutes: float | None = None
    content_note: str | None = None
    source: str | None = None
    emotions: dict[str, Emotion] = dc_field(default_factory=dict)
    variables: dict[str, Variable] = dc_field(default_factory=dict)
    flags: dict[str, Flag] = dc_field(default_factory=dict)
    log_fields: dict[str, LogField] = dc_field(default_factory=dict)
    debrief: Debrief = Debrief()
    playtests: tuple[Playtest, ...] = ()
    path: str = "<memory>"
    sha256: str = ""  # of the file's bytes as loaded: identifies the scenario as played
    lines: dict[str, Line] = dc_field(default_factory=dict)  # every line defined, by id
    # What the caller says when every intent heard in a line was unsure (her own
    # `caller: clarify:` lines, else the intent library's); None: the fallbacks answer.
    clarify: Say | None = None
    library: str | None = None  # the intent library used, "uk-call-handling@1"; None: none
    library_sha256: str = ""  # of the library's files, for caches keyed by content
    off_topic: tuple[str, ...] = ()  # the file's near misses: lines that mean no intent
    negatives: tuple[str, ...] = ()  # the library's generic lines that mean no intent
    assessment: Assessment | None = None  # neutral texts for assessment mode
    standard_log: str | None = None  # the standard flags and fields, "uk-control-room@1"
    call_info: CallInfo | None = None  # what the screen shows about the incoming call
    answers: dict[str, Answer] = dc_field(default_factory=dict)  # in any state, by intent id
    answers_pos: Pos | None = None  # of the top-level `answers:` key (None: the file has none)
    replies: Replies = "first"

    def shown(self, mode: str) -> Shown:
        """The title, summary and content note for the screens before the debrief: in
        assessment mode the neutral ones (each falling back to the full one), else the full."""
        a = self.assessment if mode == "assessment" else None
        if a is None:
            return Shown(self.title, self.summary, self.content_note)
        return Shown(
            a.title or self.title,
            a.summary if a.summary is not None else self.summary,
            a.content_note if a.content_note is not None else self.content_note,
        )

    def flags_shown(self, mode: str) -> dict[str, Flag]:
        """The flags the call screen shows in `mode` (assessment mode leaves out the
        practice-only ones)."""
        return {k: f for k, f in self.flags.items() if mode != "assessment" or not f.practice_only}

    def log_fields_shown(self, mode: str) -> dict[str, LogField]:
        """The log fields the call screen shows in `mode`."""
        return {
            k: f for k, f in self.log_fields.items() if mode != "assessment" or not f.practice_only
        }

    def all_answers(self) -> list[Answer]:
        """Every answer: each state's own, then the file's."""
        out = [a for s in self.states.values() for a in s.answers.values()]
        out.extend(self.answers.values())
        return out

    def all_handlers(self) -> list[Handler]:
        out = [h for s in self.states.values() for h in s.on]
        out.extend(self.global_handlers)
        return out
