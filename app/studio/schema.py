"""A JSON Schema (draft 2020-12) of the scenario format, for completion and checks in editors.

It mirrors the loader: the same keys, required keys, enums and id patterns (taken from the
loader's own constants where they exist), and `additionalProperties: false` wherever the loader
rejects unknown keys. It is meant never to reject a file the loader accepts (so an editor never
underlines a good file); the loader's deeper checks (references, expressions, reachability)
stay with `callsim lint`. Descriptions follow docs/scenario-format.md.

`callsim schema` prints it; docs/callsim-scenario.schema.json is the same text, committed.
"""

from __future__ import annotations

import json

from app.scenario.loader import FORMAT, TOP_OPTIONAL, TOP_REQUIRED
from app.scenario.reader import SCENARIO_ID, SNAKE_ID
from app.scenario.rubric_reader import CRITERION_KEYS
from app.scenario.steps import EXPECT_KEYS
from app.scenario.vocabulary import KINDS, STATUSES, CriterionKind
from app.studio.schema_parts import Schema, d, map_of, obj, ref, shared_defs

GENDERS = ("female", "male", "neutral")
CRITERION_KINDS = KINDS
VARIABLE_TYPES = {"bool": "boolean", "int": "integer", "str": "string"}  # -> JSON types


def _criterion() -> Schema:
    props: dict[str, Schema] = {
        "id": ref("snake_id"),
        "title": ref("text"),
        "weight": d("Greater than 0.", {"type": "number", "exclusiveMinimum": 0}),
        "kind": d(
            "required (the default: earns its weight when the evidence is found), prohibited "
            "(loses its weight when found) or manual (left to an assessor).",
            {"enum": list(CRITERION_KINDS)},
        ),
        "critical": d(
            "A missed critical requirement or a violated critical prohibition fails the call.",
            {"type": "boolean"},
        ),
        "evidence": ref("evidence"),
        "feedback_met": ref("text"),
        "feedback_missed": ref("text"),
    }
    manual = {"required": ["kind"], "properties": {"kind": {"const": CriterionKind.MANUAL}}}
    return obj(
        "A rubric criterion.",
        props,
        required=("id", "title", "weight"),
        order=("id", "title", "weight", *CRITERION_KEYS),
        **{
            "if": manual,
            "then": {"properties": {"critical": {"const": False}}},
            "else": {"required": ["evidence"]},
        },
    )


def _expect() -> Schema:
    score_range = obj(
        "A score range.",
        {
            "min": {"type": "number", "minimum": 0, "maximum": 100},
            "max": {"type": "number", "minimum": 0, "maximum": 100},
        },
    )
    return obj(
        "What the playtest's result must show.",
        {
            "passed": {"type": "boolean"},
            "score": {"anyOf": [{"type": "number", "minimum": 0, "maximum": 100}, score_range]},
            "critical_failures": d(
                "The exact list of critical failures.", {"type": "array", "items": ref("snake_id")}
            ),
            "criteria": map_of("Criterion id: status.", {"enum": list(STATUSES)}, key_pattern=".*"),
            "ended_by": {"enum": ["trainee", "caller"]},
        },
        order=EXPECT_KEYS,
    )


def _variable_default(vtype: str, json_type: str) -> Schema:
    is_type = {"required": ["type"], "properties": {"type": {"const": vtype}}}
    return {"if": is_type, "then": {"properties": {"default": {"type": json_type}}}}


def _metric() -> Schema:
    return obj(
        "A timing figure: {at: ANCHOR}, or {from: ANCHOR, to: ANCHOR} (seconds between).",
        {"at": ref("anchor"), "from": ref("anchor"), "to": ref("anchor")},
        oneOf=[
            {"required": ["at"], "not": {"anyOf": [{"required": ["from"]}, {"required": ["to"]}]}},
            {"required": ["from", "to"], "not": {"required": ["at"]}},
        ],
    )


def scenario_schema() -> Schema:
    prosody = {
        "rate": ref("rate"),
        "pitch": ref("step_level"),
        "volume": ref("step_level"),
    }
    top: dict[str, Schema] = {
        "format": d("Always callsim/scenario@1.", {"const": FORMAT}),
        "id": d(
            "Lowercase words joined by -, e.g. misconduct-disclosure; must match the file name.",
            {"type": "string", "pattern": SCENARIO_ID.pattern},
        ),
        "title": d("Shown in the scenario list.", ref("text")),
        "start": d("Id of the first state.", ref("snake_id")),
        "caller": obj(
            "The caller.",
            {
                "name": ref("text"),
                "voice": obj("The caller's voice.", {**prosody, "gender": {"enum": list(GENDERS)}}),
                "default_emotion": d("A key of `emotions`.", ref("snake_id")),
            },
            required=("name",),
        ),
        "intents": map_of(
            "What the trainee's lines can mean.",
            obj(
                "An intent: examples and/or patterns the matcher uses.",
                {
                    "examples": d(
                        "Trainee phrasings; new text is scored by its similarity to them.",
                        ref("texts"),
                    ),
                    "patterns": d(
                        "Keyword rules on the normalised text; a hit is a strong match.",
                        {
                            "type": "array",
                            "items": obj(
                                "any: one of the words or phrases; all: every one of them.",
                                {"any": ref("texts"), "all": ref("texts")},
                                minProperties=1,
                            ),
                        },
                    ),
                    "not": d(
                        "Phrasings that look similar but must not match this intent.", ref("texts")
                    ),
                    "closing": d(
                        "A line with this intent is also a closing attempt.", {"type": "boolean"}
                    ),
                    "description": ref("text"),
                },
                anyOf=[{"required": ["examples"]}, {"required": ["patterns"]}],
            ),
        ),
        "states": map_of(
            "The states of the call.",
            obj(
                "A state: what the caller says on entering it, and its handlers.",
                {
                    "say": ref("say"),
                    "on": d(
                        "Handlers, tried in file order before the global ones.",
                        {"type": "array", "items": ref("handler")},
                    ),
                    "description": ref("text"),
                },
            ),
        ),
        "rubric": obj(
            "How the call is scored.",
            {
                "pass_mark": d(
                    "The score needed to pass, 0 to 100.",
                    {"type": "number", "minimum": 0, "maximum": 100},
                ),
                "criteria": {"type": "array", "minItems": 1, "items": _criterion()},
                "metrics": map_of(
                    "Timing figures for the result (duration_s is built in).", _metric()
                )
                | {"propertyNames": {"pattern": SNAKE_ID.pattern, "not": {"const": "duration_s"}}},
            },
            required=("pass_mark", "criteria"),
        ),
        "summary": d("One or two sentences for the scenario list.", ref("text")),
        "expected_minutes": d(
            "Typical call length, for the scenario list.", {"type": "number", "minimum": 0}
        ),
        "content_note": d("Shown before the call starts.", ref("text")),
        "source": d("Where the case comes from.", ref("text")),
        "emotions": map_of(
            "The prosody palette: {name: {rate, pitch, volume}}.", obj("An emotion.", prosody)
        ),
        "variables": map_of(
            "Variables for conditions.",
            obj(
                "A variable.",
                {
                    "type": {"enum": list(VARIABLE_TYPES)},
                    "default": {"type": ["boolean", "integer", "string"]},
                },
                required=("type",),
                allOf=[_variable_default(t, j) for t, j in VARIABLE_TYPES.items()],
            ),
        ),
        "flags": map_of(
            "The toggle buttons the trainee has.",
            obj("A flag.", {"label": ref("text"), "description": ref("text")}, required=("label",)),
        ),
        "log_fields": map_of(
            "The incident log.",
            obj(
                "A log field.",
                {"label": ref("text"), "multiline": {"type": "boolean"}},
                required=("label",),
            ),
        ),
        "global": d(
            "Handlers active in every state, after the state's own.",
            {"type": "array", "items": ref("handler")},
        ),
        "debrief": obj(
            "Shown after the call.",
            {"summary": ref("text"), "questions": ref("texts"), "learning_points": ref("texts")},
        ),
        "playtests": d(
            "Automatic tests of the scenario (`callsim test`).",
            {
                "type": "array",
                "items": obj(
                    "A playtest.",
                    {
                        "name": ref("text"),
                        "steps": {"type": "array", "minItems": 1, "items": ref("step")},
                        "expect": _expect(),
                    },
                    required=("name", "steps"),
                ),
            },
        ),
    }
    root = obj(
        "A callsim scenario file (callsim/scenario@1): a scripted 999 caller, the trainee's "
        "tools, a rubric and playtests. See docs/scenario-format.md.",
        top,
        required=TOP_REQUIRED,
        order=(*TOP_REQUIRED, *TOP_OPTIONAL),
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "callsim scenario",
        **root,
        "$defs": shared_defs(),
    }


def schema_json() -> str:
    """The schema as text, byte for byte what docs/callsim-scenario.schema.json holds."""
    return json.dumps(scenario_schema(), indent=2, ensure_ascii=False) + "\n"
