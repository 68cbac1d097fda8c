"""Building blocks of the scenario JSON Schema (`schema.py`): small helpers and the shared
definitions (`$defs`) for lines, `say`, handlers, evidence and playtest steps."""

from __future__ import annotations

from typing import Any

from app.scenario.loader import EVENTS, HANDLER_KEYS
from app.scenario.reader import LINE_ID, SNAKE_ID
from app.scenario.rubric_reader import ANCHOR_KINDS, EVIDENCE_KEYS
from app.scenario.steps import ACTIONS

Schema = dict[str, Any]

DURATION = r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|secs|seconds?|m|min|mins|minutes?)?\s*$"
ANCHOR = r"^\s*(" + "|".join(ANCHOR_KINDS) + r")\s*:\s*\S"
EVIDENCE_KINDS = ("intent", "flag", "log", "line", "mark", "ended_by", "all", "any")


def ref(name: str) -> Schema:
    return {"$ref": f"#/$defs/{name}"}


def obj(
    desc: str,
    props: dict[str, Schema],
    *,
    required: tuple[str, ...] = (),
    order: tuple[str, ...] = (),
    **extra: Any,
) -> Schema:
    """A closed object: only `props` (listed in `order` when given, to mirror the loader)."""
    keys = order or tuple(props)
    missing = set(keys) ^ set(props)
    assert not missing, f"schema and loader disagree on keys: {sorted(missing)}"
    out: Schema = {"description": desc, "type": "object"}
    if required:
        out["required"] = list(required)
    out["properties"] = {k: props[k] for k in keys}
    out["additionalProperties"] = False
    out.update(extra)
    return out


def d(desc: str, schema: Schema) -> Schema:
    return {"description": desc, **schema}


def one_of_keys(keys: tuple[str, ...]) -> list[Schema]:
    """Exactly one of `keys` is present."""
    return [{"required": [k]} for k in keys]


def if_key(key: str, then: Schema) -> Schema:
    return {"if": {"required": [key]}, "then": then}


def event_is(*events: str) -> Schema:
    return {"required": ["event"], "properties": {"event": {"enum": list(events)}}}


def map_of(desc: str, value: Schema, key_pattern: str = SNAKE_ID.pattern) -> Schema:
    return {
        "description": desc,
        "type": "object",
        "propertyNames": {"pattern": key_pattern},
        "additionalProperties": value,
    }


def shared_defs() -> dict[str, Schema]:
    num_or_text = {"type": ["string", "number"]}
    return {
        "text": d("Text (a number written bare is read as text too).", num_or_text),
        "texts": d(
            "One text, or a list of them.",
            {"anyOf": [ref("text"), {"type": "array", "items": ref("text")}]},
        ),
        "snake_id": d(
            "A snake_case id, e.g. ask_location.", {"type": "string", "pattern": SNAKE_ID.pattern}
        ),
        "line_id": d(
            "A line id: dotted words, e.g. open.hello.",
            {"type": "string", "pattern": LINE_ID.pattern},
        ),
        "duration": d(
            "A duration: 20s, 1.5s, 500ms, 2m, or a plain number of seconds.",
            {"anyOf": [{"type": "number", "minimum": 0}, {"type": "string", "pattern": DURATION}]},
        ),
        "step_level": d("A step from -5 to 5.", {"type": "integer", "minimum": -5, "maximum": 5}),
        "rate": d(
            "A speaking-rate multiplier (1.0 is normal).",
            {"type": "number", "minimum": 0.3, "maximum": 3.0},
        ),
        "anchor": d(
            "A moment: line:LINE_ID, mark:NAME, flag:ID (first raised) or intent:ID (first "
            "heard); the first time it happened.",
            {"type": "string", "pattern": ANCHOR},
        ),
        "line": obj(
            "A caller line.",
            {
                "id": d(
                    "Required, unique in the file: the stable name of the line. Recorded "
                    "voice-over lives in audio/<scenario-id>/<line-id>.wav. `callsim tag FILE` "
                    "adds ids to lines without one.",
                    ref("line_id"),
                ),
                "text": d("What the caller says, also the caption.", ref("text")),
                "emotion": d(
                    "A key of `emotions` (default: the caller's default_emotion).", ref("snake_id")
                ),
                "note": d(
                    "A director's note for voice actors; never shown to trainees.", ref("text")
                ),
                "pause_before": d("Silence before the line.", ref("duration")),
            },
            required=("id", "text"),
        ),
        "line_ref": obj(
            "Repeats a line defined elsewhere.",
            {"ref": d("The id of the line to repeat.", ref("line_id"))},
            required=("ref",),
        ),
        "say_item": {"anyOf": [ref("line_ref"), ref("line")]},
        "say": d(
            "What is said: one line, a list of lines (spoken in order), or {sequence: [...]}: "
            "each time it fires it says the next line, staying on the last.",
            {
                "anyOf": [
                    ref("say_item"),
                    {"type": "array", "minItems": 1, "items": ref("say_item")},
                    obj(
                        "One line per firing, in order; the last one repeats.",
                        {"sequence": {"type": "array", "minItems": 1, "items": ref("say_item")}},
                        required=("sequence",),
                    ),
                ]
            },
        ),
        "handler": _handler(),
        "evidence": _evidence(),
        "step": _step(),
    }


def _handler() -> Schema:
    props: dict[str, Schema] = {
        "intent": d(
            "Trigger: the trainee's line carried (one of) these intents.",
            {
                "anyOf": [
                    ref("snake_id"),
                    {"type": "array", "minItems": 1, "items": ref("snake_id")},
                ]
            },
        ),
        "event": d(
            "Trigger: closing_attempt (a line with a `closing: true` intent), silence (with "
            "`after`), flag_raised / flag_lowered (with `flag`), log_changed (optional `field`).",
            {"enum": list(EVENTS)},
        ),
        "fallback": d("Trigger: any trainee line that no other handler took.", {"const": True}),
        "flag": d("For flag_raised / flag_lowered: the flag.", ref("snake_id")),
        "field": d("For log_changed: only this log field.", ref("snake_id")),
        "after": d("For silence: how long the trainee has been silent.", ref("duration")),
        "nth": d("Fires only on the Nth event of its kind.", {"type": "integer", "minimum": 1}),
        "once": d("Fires at most once in the call.", {"type": "boolean"}),
        "when": d(
            "A condition in the expression language, e.g. `not disclosed and count.silence < 2`.",
            {"type": ["string", "number"]},
        ),
        "say": ref("say"),
        "set": map_of(
            "Variables to set.", {"type": ["boolean", "integer", "string"]}, key_pattern=".*"
        ),
        "add": map_of("Numbers to add to int variables.", {"type": "integer"}, key_pattern=".*"),
        "goto": d("The state to move to.", ref("snake_id")),
        "mark": d(
            "Names this moment (e.g. disclosure) for the rubric and metrics.", ref("snake_id")
        ),
        "hang_up": d("The caller ends the call after speaking.", {"type": "boolean"}),
    }
    return obj(
        "A handler: exactly one trigger (intent, event or fallback), optional conditions "
        "(nth, once, when) and effects (say, set, add, goto, mark, hang_up).",
        props,
        order=HANDLER_KEYS,
        oneOf=one_of_keys(("intent", "event", "fallback")),
        allOf=[
            {"if": event_is("silence"), "then": {"required": ["after"]}},
            {"if": event_is("flag_raised", "flag_lowered"), "then": {"required": ["flag"]}},
            if_key("after", event_is("silence")),
            if_key("flag", event_is("flag_raised", "flag_lowered")),
            if_key("field", event_is("log_changed")),
        ],
    )


def _evidence() -> Schema:
    leaf = "the trainee said something carrying this intent"
    props: dict[str, Schema] = {
        "intent": d(f"Evidence: {leaf}.", ref("snake_id")),
        "flag": d("Evidence: the flag was raised.", ref("snake_id")),
        "log": d("Evidence: the log field was filled in.", ref("snake_id")),
        "line": d("Evidence: the caller said this line.", ref("line_id")),
        "mark": d("Evidence: the moment happened.", ref("snake_id")),
        "ended_by": d("Evidence: who ended the call.", {"enum": ["trainee", "caller"]}),
        "all": d(
            "Every item is found.", {"type": "array", "minItems": 1, "items": ref("evidence")}
        ),
        "any": d(
            "At least one item is found.",
            {"type": "array", "minItems": 1, "items": ref("evidence")},
        ),
        "held_at_end": d("Flag evidence: still raised when the call ended.", {"type": "boolean"}),
        "contains_any": d("Log evidence: one of these words is in the field.", ref("texts")),
        "after": d("Found only after this moment.", ref("anchor")),
        "before": d("Found only before this moment.", ref("anchor")),
        "within": d("Found within this long of the `after` anchor.", ref("duration")),
    }
    return obj(
        "Evidence: exactly one of intent, flag, log, line, mark, ended_by, all, any; anchors "
        "(after, before, within) on intent, flag, log, line and mark evidence.",
        props,
        order=EVIDENCE_KEYS,
        oneOf=one_of_keys(EVIDENCE_KINDS),
        allOf=[
            {
                "if": {"anyOf": one_of_keys(("all", "any", "ended_by"))},
                "then": {"not": {"anyOf": one_of_keys(("after", "before", "within"))}},
            },
            if_key("held_at_end", {"required": ["flag"]}),
            if_key("contains_any", {"required": ["log"]}),
            if_key("within", {"required": ["after"]}),
        ],
    )


def _step() -> Schema:
    props: dict[str, Schema] = {
        "say": d("The trainee says this.", ref("text")),
        "wait": d("The trainee stays silent this long.", ref("duration")),
        "flag": d("The trainee raises this flag.", ref("snake_id")),
        "unflag": d("The trainee lowers this flag.", ref("snake_id")),
        "log": map_of("The trainee writes in the log: {field: text}.", ref("text"))
        | {"minProperties": 1},
        "end_call": d("The trainee ends the call.", {"const": True}),
        "caller": d("Playtests: the caller says this line next.", ref("line_id")),
        "expect_intent": d(
            "On a say step: intents that must be among those heard.",
            {"anyOf": [ref("snake_id"), {"type": "array", "items": ref("snake_id")}]},
        ),
    }
    return obj(
        "A step: exactly one of " + ", ".join(ACTIONS) + ".",
        props,
        order=(*ACTIONS, "expect_intent"),
        oneOf=one_of_keys(ACTIONS),
        allOf=[if_key("expect_intent", {"required": ["say"]})],
    )
