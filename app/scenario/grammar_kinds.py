"""The building blocks of the format's grammar (`grammar.py`): kinds of value, enums, keys,
sections and handler triggers, each carrying the text the docs and the JSON Schema show; and
the enums and plain kinds of value (atoms) the sections use.

Docs text is written as a phrase in Markdown (`like this`), lowercase and without a final full
stop, so that it reads both in a table cell and, through `sentence()`, as a schema description.
"""

from __future__ import annotations

from dataclasses import dataclass


def or_list(words: tuple[str, ...] | list[str], conj: str = "or") -> str:
    """'a', 'a or b', 'a, b or c': the loader's way of listing choices in a message."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conj} {words[-1]}"


def sentence(doc: str) -> str:
    """A docs phrase as a sentence: capitalised, with a full stop."""
    if not doc:
        return ""
    return doc[0].upper() + doc[1:] + ("" if doc.endswith((".", "?", "!")) else ".")


@dataclass(frozen=True)
class Atom:
    """A kind of plain value (text, an id, a duration...). `form` is how the docs write a
    value of this kind (`ID`, `DURATION`); the schema maps each atom's name to a JSON type."""

    name: str
    form: str
    doc: str


@dataclass(frozen=True)
class Number(Atom):
    """A number, at least `minimum` and at most `maximum` where given; `integer`: whole."""

    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False


@dataclass(frozen=True)
class Member:
    name: str
    doc: str = ""
    form: str = ""  # what follows `name:` where a member is written with a value (anchors)


@dataclass(frozen=True)
class Enum:
    """A fixed set of words a value may be."""

    name: str
    members: tuple[Member, ...]
    doc: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.members)

    def __contains__(self, word: object) -> bool:
        return word in self.names

    def spoken(self) -> str:
        """'female, male or neutral', as messages list the choices."""
        return or_list(self.names)


@dataclass(frozen=True)
class ListOf:
    """A list of `item`s; `single`: one item may be written without the list."""

    item: Value
    nonempty: bool = False
    single: bool = False


@dataclass(frozen=True)
class MapOf:
    """A mapping of names to `item`s. `ids`: its keys are snake_case ids (the loader checks
    them); otherwise they name something elsewhere (a variable, a criterion) and any text goes
    at the shape level. `key` is how the docs write a key; `reserved` names are refused."""

    item: Value
    key: str = "id"
    ids: bool = True
    nonempty: bool = False
    reserved: tuple[str, ...] = ()


@dataclass(frozen=True)
class Key:
    """One key of a section. `role` groups keys for the loader and the docs (a handler's
    trigger, condition or effect; an evidence kind or option; a step's action); `applies_to`
    names the triggers, evidence kinds or actions a key goes with (empty: any); `form`
    overrides how the docs write its value; `see` names the docs section that explains it."""

    name: str
    value: Value
    doc: str = ""
    required: bool = False
    role: str = ""
    applies_to: tuple[str, ...] = ()
    form: str = ""
    see: str = ""


@dataclass(frozen=True)
class Section:
    """A mapping with a fixed set of keys: the loader rejects any other (E012, with "did you
    mean" drawn from `names`) and the schema closes it (`additionalProperties: false`)."""

    name: str
    keys: tuple[Key, ...]
    doc: str = ""

    def __post_init__(self) -> None:
        assert len(set(self.names)) == len(self.keys), f"duplicate key in {self.name}"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(k.name for k in self.keys)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(k.name for k in self.keys if k.required)

    def key(self, name: str) -> Key:
        return next(k for k in self.keys if k.name == name)

    def role(self, role: str) -> tuple[Key, ...]:
        return tuple(k for k in self.keys if k.role == role)

    def names_of(self, role: str) -> tuple[str, ...]:
        return tuple(k.name for k in self.role(role))


Value = Atom | Enum | ListOf | MapOf | Section


@dataclass(frozen=True)
class Trigger:
    """What fires a handler: `Handler.trigger` is `name`; the file says so with the handler
    key `key` (`intent: ...`, `event: NAME`, `fallback: true`). `needs`: keys it requires;
    `one_of`: keys of which it requires exactly one."""

    name: str
    key: str
    doc: str
    needs: tuple[str, ...] = ()
    one_of: tuple[str, ...] = ()


FORMAT = "callsim/scenario@1"

# -- enums ---------------------------------------------------------------------------------
GENDER = Enum(
    "gender",
    (Member("female"), Member("male"), Member("neutral")),
    "the synthetic voice's gender",
)
VARIABLE_TYPE = Enum(
    "variable type",
    (Member("bool", "true or false"), Member("int", "a whole number"), Member("str", "text")),
)
PHONE = Enum(
    "phone",
    (
        Member("mobile", "a mobile phone"),
        Member("landline", "a landline"),
        Member("payphone", "a payphone"),
        Member("unknown", "the network does not say"),
    ),
    "what kind of phone the call comes from",
)
ENDED_BY = Enum(
    "who ended the call",
    (Member("trainee", "the trainee ended the call"), Member("caller", "the caller hung up")),
)
SILENCE_COUNTS = Enum(
    "what breaks a silence",
    (
        Member("any_input", "anything the trainee does (a line, a key, a flag, the log)"),
        Member("speech", "only what is said to her: a line, or composing one"),
    ),
)
REPLIES = Enum(
    "replies",
    (
        Member("first", "one reply a line: the first handler that takes it (as before)"),
        Member("each", "a reply to each part of the line, in the order said"),
    ),
    "how the caller replies to a line that carries several intents",
)
ANCHOR_KIND = Enum(
    "anchor kind",
    (
        Member("line", "the caller said this line", "ID"),
        Member("mark", "a handler with this `mark` fired", "NAME"),
        Member("flag", "the flag was raised", "ID"),
        Member("intent", "the trainee's line carried this intent", "ID"),
    ),
)

# -- kinds of value ------------------------------------------------------------------------
TEXT = Atom("text", "TEXT", "text (a number written bare is read as text too)")
TEXTS = Atom("texts", "[TEXT, ...]", "one text, or a list of them")
ID = Atom("snake_id", "ID", "a snake_case id, e.g. ask_location")
LINE_ID = Atom("line_id", "LINE_ID", "a line id: dotted words, e.g. open.hello")
SCENARIO_ID = Atom("scenario_id", "ID", "lowercase words joined by -, e.g. my-case")
DURATION = Atom(
    "duration", "DURATION", "a duration: 20s, 1.5s, 500ms, 2m, or a plain number of seconds"
)
ANCHOR = Atom(
    "anchor",
    "ANCHOR",
    "a moment, the first time it happened: "
    + or_list([f"{m.name}:{m.form} ({m.doc})" for m in ANCHOR_KIND.members]),
)
BOOL = Atom("bool", "true/false", "true or false")
TRUE = Atom("true", "true", "always `true`")
FORMAT_NAME = Atom("format", FORMAT, f"always {FORMAT}")
MINUTES = Number("minutes", "N", "a number of minutes, 0 or more", minimum=0)
PERCENT = Number("percent", "N", "a number from 0 to 100", minimum=0, maximum=100)
WEIGHT = Atom("weight", "N", "a number greater than 0")
SHARE = Number("share", "N", "a number from 0 to 1", minimum=0, maximum=1)
NEAR = Number("near", "N", "a whole number of words, 1 to 50", minimum=1, maximum=50, integer=True)
VERSION = Number("version", "N", "a whole number, 1 or more", minimum=1, integer=True)
LIBRARY_FORMAT = "callsim/intent-library@1"
LIBRARY_FORMAT_NAME = Atom("library_format", LIBRARY_FORMAT, f"always {LIBRARY_FORMAT}")
LIBRARY_CHOICE = Atom(
    "library_choice",
    "ID, none or {id, only, except}",
    "which intent library the scenario uses: its id, `none`, or a mapping that narrows it",
)
STANDARD_LOG_FORMAT = "callsim/standard-log@1"
STANDARD_LOG_FORMAT_NAME = Atom(
    "standard_log_format", STANDARD_LOG_FORMAT, f"always {STANDARD_LOG_FORMAT}"
)
STANDARD_LOG_CHOICE = Atom(
    "standard_log_choice",
    "ID, none or {id, only, except}",
    "which standard incident log the trainee has: its id, `none`, or a mapping that narrows it",
)
NTH = Number("nth", "N", "a whole number, 1 or more", minimum=1, integer=True)
RATE = Number(
    "rate",
    "N",
    "a speaking-rate multiplier from 0.3 to 3.0 (1.0 is normal)",
    minimum=0.3,
    maximum=3.0,
)
LEVEL = Number("step_level", "N", "a step from -5 to 5", minimum=-5, maximum=5, integer=True)
EXPR = Atom("expr", "EXPR", "a condition in the expression language (see *Expressions*)")
SAY = Atom(
    "say",
    "LINES",
    "what is said: one line, a list of lines (spoken in order), or {sequence: [lines...]}: "
    "each time it fires it says the next line, staying on the last",
)
SAY_ITEM = Atom("say_item", "LINE", "a line, or {ref: LINE_ID} to repeat one")
VALUE = Atom("value", "VALUE", "true/false, a whole number or text")
SET_VALUE = Atom(
    "set_value",
    "VALUE or {expr: EXPR}",
    "true/false, a whole number, text, or `{expr: EXPR}`: an expression worked out when the "
    "handler fires",
)
WHOLE = Number("integer", "N", "a whole number", integer=True)
EVIDENCE_VALUE = Atom("evidence", "EVIDENCE", "evidence (see *Rubric*)")
SCORE = Atom("score", "N", "a score from 0 to 100, or {min, max}")
CRITERION_KIND = Atom("criterion_kind", "KIND", "required, prohibited or manual")
STATUS = Atom("status", "STATUS", "a criterion's status in the result")
