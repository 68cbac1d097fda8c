"""The grammar of `callsim/scenario@1`, declared once: every section's keys (with the kind of
value each takes and what it means), the handler triggers, the evidence kinds and the enums.
This module holds the file's top level, the caller, intents, lines, states and handlers;
`grammar_rubric.py` the rubric and playtests; `grammar_kinds.py` the building blocks, the enums
and the plain kinds of value.

Derived from these tables: the loader's key checks and "did you mean" lists, the JSON Schema
(`callsim schema`, app/studio/schema.py) and the reference tables of docs/scenario-format.md
(`python -m app.studio.format_tables --write`; tests/test_grammar.py keeps the docs current).
The loader's deeper rules (what a value must be, references, lint checks) stay in code.

Criterion kinds and result statuses are not declared here: the schema and docs take them from
where the results code keeps them (the atoms `criterion_kind` and `status`).
"""

from __future__ import annotations

from app.scenario.grammar_kinds import (
    BOOL,
    DURATION,
    EXPR,
    FORMAT,
    FORMAT_NAME,
    GENDER,
    ID,
    LEVEL,
    LIBRARY_CHOICE,
    LIBRARY_FORMAT_NAME,
    LINE_ID,
    MINUTES,
    NEAR,
    NTH,
    PHONE,
    RATE,
    REPLIES,
    SAY,
    SAY_ITEM,
    SCENARIO_ID,
    SET_VALUE,
    SHARE,
    SILENCE_COUNTS,
    STANDARD_LOG_CHOICE,
    STANDARD_LOG_FORMAT_NAME,
    TEXT,
    TEXTS,
    TRUE,
    VALUE,
    VARIABLE_TYPE,
    VERSION,
    WHOLE,
    Enum,
    Key,
    ListOf,
    MapOf,
    Member,
    Section,
    Trigger,
    or_list,
)
from app.scenario.grammar_rubric import DEBRIEF, PLAYTEST, RUBRIC

# -- caller, intents, lines ----------------------------------------------------------------
_PROSODY = (
    Key("rate", RATE, "speaking rate: a multiplier (1.0 is about 155 words a minute)"),
    Key("pitch", LEVEL, "a step from -5 to 5"),
    Key("volume", LEVEL, "a step from -5 to 5"),
)
VOICE = Section("voice", (*_PROSODY, Key("gender", GENDER, GENDER.doc)), "the caller's voice")
EMOTION = Section("emotion", _PROSODY, "an emotion: how a line is spoken")
CALLER = Section(
    "caller",
    (
        Key("name", TEXT, "the caller's name", required=True),
        Key("voice", VOICE, "the caller's voice"),
        Key("default_emotion", ID, "a key of `emotions`, for lines that name none"),
        Key(
            "clarify",
            ListOf(SAY_ITEM, nonempty=True),
            "what she says, one line at a time, when the simulator is unsure what the "
            "trainee meant (default: the intent library's `clarify` lines)",
            form="[{id: LINE_ID, text: TEXT}, ...]",
        ),
    ),
    "the caller",
)
VARIABLE = Section(
    "variable",
    (
        Key("type", VARIABLE_TYPE, "what the variable holds", required=True),
        Key("default", VALUE, "its value when the call starts (default: false, 0 or empty)"),
    ),
    "a variable",
)
_PRACTICE_ONLY = (
    "shown in practice mode only: assessment mode leaves it off the call screen (one that "
    "would name what the call tests)"
)
FLAG = Section(
    "flag",
    (
        Key("label", TEXT, "the button's text (required unless the id is a standard flag's)"),
        Key("description", TEXT, "what it means, shown as the button's tooltip"),
        Key("practice_only", BOOL, _PRACTICE_ONLY),
    ),
    "a flag: a toggle button on the call screen (an incident qualifier); written with a "
    "standard flag's id, it refines that flag",
)
LOG_FIELD = Section(
    "log_field",
    (
        Key(
            "label",
            TEXT,
            "the field's name on screen (required unless the id is a standard field's)",
        ),
        Key("multiline", BOOL, "a box for several lines"),
        Key("practice_only", BOOL, _PRACTICE_ONLY),
    ),
    "a field of the incident log; written with a standard field's id, it refines that field",
)
PATTERN = Section(
    "pattern",
    (
        Key("any", TEXTS, "one of the words or phrases"),
        Key("all", TEXTS, "every one of them"),
        Key("ordered", BOOL, "`all`: in the order written"),
        Key("near", NEAR, "`all`: each within this many words of the one before"),
    ),
    "a keyword rule: `any` (one of the words or phrases) or `all` (every one of them); "
    "evidence for its intent, never a verdict on its own",
)
INTENT = Section(
    "intent",
    (
        Key("examples", TEXTS, "trainee phrasings; the matcher is trained on them at load"),
        Key(
            "patterns",
            ListOf(PATTERN),
            "keyword rules on the normalised text: `any` (one of the words or phrases), `all` "
            "(every one of them); a pattern hit is evidence the matcher weighs, never a verdict",
            form="[{any: [...]}, {all: [...]}]",
        ),
        Key("not", TEXTS, "phrasings that look similar but are not this intent (trained as such)"),
        Key("closing", BOOL, "a line with this intent is also a *closing attempt* event"),
        Key("description", TEXT, "what the intent means, for authors"),
        Key(
            "threshold",
            SHARE,
            "how sure the matcher must be to hear this intent (default: the matcher's bar); "
            "raise it for an intent that must never be heard by mistake",
        ),
    ),
    "an intent: examples and/or patterns the matcher uses",
)
LINE = Section(
    "line",
    (
        Key(
            "id",
            LINE_ID,
            "the stable name of the line, unique in the file. Recorded voice-over lives in "
            "`audio/<scenario-id>/<line-id>.wav`; `callsim tag FILE` adds ids to lines "
            "without one",
            required=True,
        ),
        Key(
            "text",
            TEXT,
            "what the caller says, also the caption (unless `caption` says otherwise)",
            required=True,
        ),
        Key(
            "caption",
            TEXT,
            "what the trainee reads in place of `text`, where it differs from what the voice "
            'says (e.g. `text: "fourteen Mill Lane"`, `caption: "14 Mill Lane"`)',
        ),
        Key(
            "voice",
            BOOL,
            '`false`: a line that is not spoken (e.g. `text: "(one cough)"`): shown, never voiced',
            form="false",
        ),
        Key("emotion", ID, "a key of `emotions` (default: the caller's `default_emotion`)"),
        Key("note", TEXT, "a director's note for voice actors; never shown to trainees"),
        Key("pause_before", DURATION, "silence before the line"),
    ),
    "a caller line",
)
LINE_REF = Section(
    "line_ref",
    (Key("ref", LINE_ID, "the id of the line to repeat", required=True),),
    "repeats a line defined elsewhere",
)
SEQUENCE = Section(
    "sequence",
    (Key("sequence", ListOf(SAY_ITEM, nonempty=True), "the lines", required=True),),
    "one line per firing, in order; the last one repeats",
)

COMPUTED = Section(
    "computed",
    (
        Key(
            "expr",
            EXPR,
            "an expression (see *Expressions*) whose value is set when the handler fires",
            required=True,
        ),
    ),
    "a value worked out when the handler fires",
)

# -- handlers ------------------------------------------------------------------------------
TRIGGERS = (
    Trigger("intent", "intent", "the trainee's line carried (one of) these intents"),
    Trigger("closing_attempt", "event", "the line carried an intent marked `closing: true`"),
    Trigger(
        "silence",
        "event",
        "the trainee has been silent this long since the last thing anyone said or did "
        "(with `counts: speech`, since the last thing either said)",
        needs=("after",),
    ),
    Trigger("flag_raised", "event", "the trainee raised the flag", needs=("flag",)),
    Trigger("flag_lowered", "event", "the trainee lowered the flag", needs=("flag",)),
    Trigger("log_changed", "event", "the trainee changed the log (or only this field of it)"),
    Trigger(
        "any_line",
        "event",
        "any trainee line, after the caller's reply to it (its `nth` counts the trainee's lines)",
    ),
    Trigger(
        "any_flag",
        "event",
        "the trainee raised any flag that no `flag_raised` handler took (its `nth` counts "
        "every flag raised)",
    ),
    Trigger(
        "time",
        "event",
        "the call's clock reaches `at` (seconds since the call connected, or since the mark "
        "`after_mark`), or the call has been `in_state` this long in its current state; "
        "fires once",
        one_of=("at", "in_state"),
    ),
    Trigger("fallback", "fallback", "any trainee line that no other handler took"),
)
EVENT = Enum(
    "event", tuple(Member(t.name, t.doc) for t in TRIGGERS if t.key == "event"), "an event"
)
TRIGGER_KEYS = tuple(dict.fromkeys(t.key for t in TRIGGERS))  # intent, event, fallback


def find_trigger(name: str) -> Trigger:
    return next(t for t in TRIGGERS if t.name == name)


# keys that go with some triggers only
_TRIGGER_OPTIONS = (
    Key("flag", ID, "the flag", role="option", applies_to=("flag_raised", "flag_lowered")),
    Key("field", ID, "only this log field", role="option", applies_to=("log_changed",)),
    Key(
        "after",
        DURATION,
        "how long the trainee has been silent",
        role="option",
        applies_to=("silence",),
    ),
    Key(
        "counts",
        SILENCE_COUNTS,
        "what breaks the silence: `any_input` (the default: anything the trainee does) or "
        "`speech` (only a line said to her, or composing one: flags and the log do not)",
        role="option",
        applies_to=("silence",),
    ),
    Key(
        "at",
        DURATION,
        "the call time it fires at (with `after_mark`: the time since that mark)",
        role="option",
        applies_to=("time",),
    ),
    Key(
        "in_state",
        DURATION,
        "how long the call has been in the current state when it fires",
        role="option",
        applies_to=("time",),
    ),
    Key(
        "after_mark",
        ID,
        "`at` counts from the first time this mark happened",
        role="option",
        applies_to=("time",),
        form="NAME",
    ),
)


def _event_doc(t: Trigger) -> str:
    """'silence (with `after`)', 'log_changed (optional `field`)'."""
    extra = [f"with `{k}`" for k in t.needs]
    if t.one_of:
        extra.append("with " + or_list([f"`{k}`" for k in t.one_of]))
    extra += [
        f"optional `{k.name}`"
        for k in _TRIGGER_OPTIONS
        if t.name in k.applies_to and k.name not in (*t.needs, *t.one_of)
    ]
    return t.name + (f" ({', '.join(extra)})" if extra else "")


_HANDLER_KEYS = (
    Key(
        "intent",
        ListOf(ID, nonempty=True, single=True),
        "the trainee's line carried (one of) these intents",
        role="trigger",
    ),
    Key(
        "event",
        EVENT,
        ", ".join(_event_doc(t) for t in TRIGGERS if t.key == "event"),
        role="trigger",
    ),
    Key("fallback", TRUE, "any trainee line that no other handler took", role="trigger"),
    *_TRIGGER_OPTIONS,
    Key(
        "nth",
        NTH,
        "fires only on the Nth event of its kind (Nth closing attempt, Nth silence, Nth time "
        "this intent was heard, Nth unmatched line for a fallback)",
        role="condition",
    ),
    Key("once", BOOL, "fires at most once in the call", role="condition", form="true"),
    Key(
        "when",
        EXPR,
        "a condition in the expression language, e.g. `not disclosed and count.silence < 2`",
        role="condition",
    ),
    Key("say", SAY, "what the caller says", role="effect"),
    Key(
        "set",
        MapOf(SET_VALUE, "variable", ids=False),
        "variables to set: a value, or `{expr: EXPR}` worked out when the handler fires "
        '(e.g. `{expr: "count.turns + 1"}`; see *Expressions*)',
        role="effect",
    ),
    Key(
        "add",
        MapOf(WHOLE, "int_variable", ids=False),
        "numbers to add to int variables",
        role="effect",
    ),
    Key(
        "goto",
        ID,
        "the state to move to (entering a state says its `say` lines; a `goto` to the "
        "state the call is already in changes nothing)",
        role="effect",
        form="STATE",
    ),
    Key(
        "mark",
        ID,
        "names this moment (e.g. `disclosure`) for the rubric and the metrics",
        role="effect",
        form="NAME",
    ),
    Key("hang_up", BOOL, "the caller ends the call after speaking", role="effect", form="true"),
)
HANDLER = Section(
    "handler",
    _HANDLER_KEYS,
    f"a handler: exactly one trigger ({or_list(TRIGGER_KEYS)}), optional conditions ("
    + ", ".join(k.name for k in _HANDLER_KEYS if k.role == "condition")
    + ") and effects ("
    + ", ".join(k.name for k in _HANDLER_KEYS if k.role == "effect")
    + ")",
)
ANSWERS = MapOf(SAY, "intent")
STATE = Section(
    "state",
    (
        Key("say", SAY, "spoken on entering the state"),
        Key("on", ListOf(HANDLER), "handlers, tried in file order before the global ones"),
        Key(
            "answers",
            ANSWERS,
            "how she answers these intents in this state, where it differs from the file's "
            "`answers` (tried after the handlers, before the fallback)",
            see="The caller's answers",
        ),
        Key("description", TEXT),
    ),
    "a state: what the caller says on entering it, and its handlers",
)

ASSESSMENT = Section(
    "assessment",
    (
        Key("title", TEXT, "the title shown instead of `title` in assessment mode"),
        Key("summary", TEXT, "the summary shown instead of `summary` in assessment mode"),
        Key(
            "content_note",
            TEXT,
            "the content note shown instead of `content_note` in assessment mode: it warns "
            "of what may distress without saying what will happen",
        ),
        Key(
            "spoilers",
            TEXTS,
            "words and phrases that give away what the call tests; lint warns (W121) when a "
            "text shown before the debrief in assessment mode contains one",
        ),
    ),
    "neutral texts for assessment mode, so that nothing before the debrief gives away what "
    "the call tests (each falls back to the full text when left out)",
)

CALL_INFO = Section(
    "call_info",
    (
        Key(
            "number",
            TEXT,
            "the caller's number as the screen shows it, e.g. `07700 900431` (digits, spaces, "
            "`+`, `(` `)` and `-`), or `withheld`",
        ),
        Key("phone", PHONE, PHONE.doc),
        Key(
            "location",
            TEXT,
            "where the network places the phone: a landline's registered address, a mobile's "
            "cell and radius",
        ),
        Key(
            "previous_incidents",
            TEXTS,
            "earlier incidents the system links to the number or the location, one line each, "
            "newest first (an empty list: none)",
        ),
        Key("time", TEXT, "when the call comes in, with a time of day, e.g. `Fri 21:58`"),
    ),
    "what the control room's screen shows about the call as it comes in (the caller's number, "
    "the network's location, previous incidents, the time): a compact panel on the call screen",
)

# -- the file ------------------------------------------------------------------------------
SCENARIO = Section(
    "scenario",
    (
        Key("format", FORMAT_NAME, f"always `{FORMAT}`", required=True),
        Key(
            "id",
            SCENARIO_ID,
            "lowercase words joined by `-`, e.g. `misconduct-disclosure`; must match the file name",
            required=True,
        ),
        Key("title", TEXT, "shown in the scenario list", required=True),
        Key("summary", TEXT, "one or two sentences for the scenario list"),
        Key("expected_minutes", MINUTES, "typical call length, for the scenario list"),
        Key("content_note", TEXT, "shown before the call starts (e.g. sexual misconduct)"),
        Key("source", TEXT, "where the case comes from"),
        Key(
            "assessment",
            ASSESSMENT,
            "neutral texts for assessment mode: every screen before the debrief shows these "
            "instead of the full ones (practice mode shows the full ones)",
            see="Assessment mode",
        ),
        Key(
            "call_info",
            CALL_INFO,
            "what the call screen shows about the call as it comes in",
            see="Call information",
        ),
        Key("start", ID, "id of the first state", required=True),
        Key("caller", CALLER, "the caller", required=True),
        Key(
            "emotions",
            MapOf(EMOTION, "name"),
            "the prosody palette (rate multiplies the voice's, 1.0 normal; pitch and volume "
            "are steps from -5 to 5, added to the voice's; see *The caller's voice and pace*)",
        ),
        Key("variables", MapOf(VARIABLE, "name"), "variables for conditions"),
        Key(
            "standard_log",
            STANDARD_LOG_CHOICE,
            "the standard flags and log fields the trainee has (default: `uk-control-room`, "
            "see [standard-log.md](standard-log.md)); `none` opts out; `{id, only: [...]}` or "
            "`{id, except: [...]}` narrows it",
            see="Flags and log fields",
        ),
        Key(
            "flags",
            MapOf(FLAG),
            "the toggle buttons the trainee has besides the standard ones; one with a standard "
            "id refines that flag",
            see="Flags and log fields",
        ),
        Key(
            "log_fields",
            MapOf(LOG_FIELD),
            "the incident log's fields besides the standard ones; one with a standard id "
            "refines that field",
            see="Flags and log fields",
        ),
        Key(
            "library",
            LIBRARY_CHOICE,
            "the intent library whose intents the scenario understands (default: "
            "`uk-call-handling`); `none` opts out; `{id, only: [...]}` or `{id, except: [...]}` "
            "narrows it. The file's own intents are added, and one with a library id replaces "
            "the library's",
            see="Intents",
        ),
        Key(
            "off_topic",
            TEXTS,
            "near misses: lines a trainee may type here that share words with an intent but "
            "mean none (the matcher learns to hear them as nothing)",
            see="Intents",
        ),
        Key(
            "intents",
            MapOf(INTENT),
            "what the trainee's lines can mean",
            required=True,
            see="Intents",
        ),
        Key(
            "states",
            MapOf(STATE),
            "the states of the call",
            required=True,
            see="States and handlers",
        ),
        Key(
            "global",
            ListOf(HANDLER),
            "a list of handlers active in every state, tried after the state's own",
            see="States and handlers",
        ),
        Key(
            "answers",
            ANSWERS,
            "what she answers when the trainee's line carries this intent and no handler "
            "takes it, in any state (a state's own `answers` come first); before the fallback",
            see="The caller's answers",
        ),
        Key(
            "replies",
            REPLIES,
            "`first` (the default: one reply a line, from the first handler that takes it) or "
            "`each` (a line that carries several intents gets a reply to each, in order)",
            see="The caller's answers",
        ),
        Key("rubric", RUBRIC, "how the call is scored", required=True, see="Rubric"),
        Key("debrief", DEBRIEF, "shown after the call"),
        Key(
            "playtests",
            ListOf(PLAYTEST),
            "a list of automatic tests of the scenario, run by `callsim test`",
            see="Playtests",
        ),
    ),
    "a callsim scenario file (callsim/scenario@1): a scripted 999 caller, the trainee's tools, "
    "a rubric and playtests. See docs/scenario-format.md",
)


# -- intent libraries (callsim/intent-library@1) ---------------------------------------------
LIBRARY_USE = Section(
    "library_use",
    (
        Key("id", ID, "the library's id, e.g. `uk-call-handling`", required=True),
        Key("only", TEXTS, "use just these of its intents"),
        Key("except", TEXTS, "use all of its intents but these"),
    ),
    "the intent library, narrowed",
)
INTENT_LIBRARY = Section(
    "intent_library",
    (
        Key("format", LIBRARY_FORMAT_NAME, "always `callsim/intent-library@1`", required=True),
        Key("id", SCENARIO_ID, "the library's id, e.g. `uk-call-handling`", required=True),
        Key("version", VERSION, "its version; ids never change meaning within one", required=True),
        Key("title", TEXT, "what it is"),
        Key("source", TEXT, "where its moves come from"),
        Key("clarify", TEXTS, "the caller's default lines when the simulator is unsure"),
        Key(
            "intents",
            MapOf(INTENT),
            "the intents, written as a scenario writes them",
            required=True,
        ),
    ),
    "an intent library: call-handling moves any scenario can use",
)


# -- the standard incident log (callsim/standard-log@1) --------------------------------------
STANDARD_LOG_USE = Section(
    "standard_log_use",
    (
        Key("id", ID, "the standard log's id, e.g. `uk-control-room`", required=True),
        Key("only", TEXTS, "use just these of its flags and fields"),
        Key("except", TEXTS, "use all of its flags and fields but these"),
    ),
    "the standard incident log, narrowed",
)
STANDARD_LOG = Section(
    "standard_log",
    (
        Key("format", STANDARD_LOG_FORMAT_NAME, "always `callsim/standard-log@1`", required=True),
        Key("id", SCENARIO_ID, "its id, e.g. `uk-control-room`", required=True),
        Key("version", VERSION, "its version; ids never change meaning within one", required=True),
        Key("title", TEXT, "what it is"),
        Key("source", TEXT, "where its flags and fields come from"),
        Key("flags", MapOf(FLAG), "the incident qualifiers, each with a label", required=True),
        Key("log_fields", MapOf(LOG_FIELD), "the log's fields, each with a label", required=True),
    ),
    "a standard incident log: the flags and log fields of a control room",
)
