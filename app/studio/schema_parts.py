"""Building blocks of the scenario JSON Schema (`schema.py`): small helpers, and the rules
between the keys of a section that a closed object alone cannot say (exactly one trigger, a
key that goes with some kinds only), derived where they can be from app/scenario/grammar.py."""

from __future__ import annotations

from typing import Any

from app.scenario.grammar import HANDLER, TRIGGER_KEYS, TRIGGERS, VARIABLE
from app.scenario.grammar_kinds import ANCHOR_KIND, Section
from app.scenario.grammar_rubric import EVIDENCE, STEP
from app.scenario.reader import SNAKE_ID
from app.scenario.vocabulary import CriterionKind

Schema = dict[str, Any]

DURATION = r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|secs|seconds?|m|min|mins|minutes?)?\s*$"
ANCHOR = r"^\s*(" + "|".join(ANCHOR_KIND.names) + r")\s*:\s*\S"
VARIABLE_TYPES = {"bool": "boolean", "int": "integer", "str": "string"}  # -> JSON types


def ref(name: str) -> Schema:
    return {"$ref": f"#/$defs/{name}"}


def d(desc: str, schema: Schema) -> Schema:
    """`schema` described by `desc` when there is one (in place of its own description)."""
    if not desc:
        return schema
    return {"description": desc, **{k: v for k, v in schema.items() if k != "description"}}


def obj(
    desc: str, props: dict[str, Schema], *, required: tuple[str, ...] = (), **extra: Any
) -> Schema:
    """A closed object: only `props`, in the order given."""
    out: Schema = {"description": desc, "type": "object"} if desc else {"type": "object"}
    if required:
        out["required"] = list(required)
    out["properties"] = props
    out["additionalProperties"] = False
    out.update(extra)
    return out


def one_of_keys(keys: tuple[str, ...]) -> list[Schema]:
    """Exactly one of `keys` is present (used under oneOf), or at least one (under anyOf)."""
    return [{"required": [k]} for k in keys]


def if_key(key: str, then: Schema) -> Schema:
    return {"if": {"required": [key]}, "then": then}


def event_is(*events: str) -> Schema:
    return {"required": ["event"], "properties": {"event": {"enum": list(events)}}}


def rules(sec: Section) -> Schema:
    """What holds between the keys of `sec`, beyond which keys it has."""
    if sec is HANDLER:
        return _handler_rules()
    if sec is EVIDENCE:
        return _evidence_rules()
    if sec is STEP:
        actions = STEP.names_of("action")
        return {"oneOf": one_of_keys(actions), "allOf": _applies(STEP, _required_one)}
    if sec is VARIABLE:
        return {"allOf": [_variable_default(t, j) for t, j in VARIABLE_TYPES.items()]}
    by_name: dict[str, Schema] = {
        "pattern": {"minProperties": 1},
        "intent": {"anyOf": [{"required": ["examples"]}, {"required": ["patterns"]}]},
        "criterion": {
            "if": {"required": ["kind"], "properties": {"kind": {"const": CriterionKind.MANUAL}}},
            "then": {"properties": {"critical": {"const": False}}},
            "else": {"required": ["evidence"]},
        },
        "metric": {
            "oneOf": [
                {
                    "required": ["at"],
                    "not": {"anyOf": [{"required": ["from"]}, {"required": ["to"]}]},
                },
                {"required": ["from", "to"], "not": {"required": ["at"]}},
            ]
        },
    }
    return by_name.get(sec.name, {})


def _required_one(names: tuple[str, ...]) -> Schema:
    return {"required": [names[0]]} if len(names) == 1 else {"anyOf": one_of_keys(names)}


def _applies(sec: Section, then: Any) -> list[Schema]:
    """For each key that goes with some kinds only: if the key is there, so is one of them."""
    return [if_key(k.name, then(k.applies_to)) for k in sec.keys if k.applies_to]


def _handler_rules() -> Schema:
    needs = [
        {"if": event_is(*(t.name for t in TRIGGERS if k in t.needs)), "then": {"required": [k]}}
        for k in HANDLER.names
        if any(k in t.needs for t in TRIGGERS)
    ]
    either = [
        {"if": event_is(t.name), "then": {"oneOf": one_of_keys(t.one_of)}}
        for t in TRIGGERS
        if t.one_of
    ]
    return {
        "oneOf": one_of_keys(TRIGGER_KEYS),
        "allOf": [*needs, *either, *_applies(HANDLER, lambda names: event_is(*names))],
    }


def _evidence_rules() -> Schema:
    return {
        "oneOf": one_of_keys(EVIDENCE.names_of("kind")),
        "allOf": [*_applies(EVIDENCE, _required_one), if_key("within", {"required": ["after"]})],
    }


def _variable_default(vtype: str, json_type: str) -> Schema:
    is_type = {"required": ["type"], "properties": {"type": {"const": vtype}}}
    return {"if": is_type, "then": {"properties": {"default": {"type": json_type}}}}


def snake_names(reserved: tuple[str, ...] = ()) -> Schema:
    names: Schema = {"pattern": SNAKE_ID.pattern}
    if reserved:
        names["not"] = {"const": reserved[0]} if len(reserved) == 1 else {"enum": list(reserved)}
    return names
