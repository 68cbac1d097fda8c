"""A JSON Schema (draft 2020-12) of the scenario format, for completion and checks in editors.

It is built from the grammar (app/scenario/grammar.py), as the loader's key checks are: the
same keys, required keys, enums and id patterns, descriptions from the same docs text, and
`additionalProperties: false` wherever the loader rejects unknown keys. It is meant never to
reject a file the loader accepts (so an editor never underlines a good file); the loader's
deeper checks (references, expressions, reachability) stay with `callsim lint`.

`callsim schema` prints it; docs/callsim-scenario.schema.json is the same text, committed.
"""

from __future__ import annotations

import json

from app.scenario.grammar import (
    COMPUTED,
    HANDLER,
    LIBRARY_USE,
    LINE,
    LINE_REF,
    SCENARIO,
    SEQUENCE,
    STANDARD_LOG_USE,
)
from app.scenario.grammar_kinds import (
    ANCHOR,
    DURATION,
    FORMAT,
    ID,
    LEVEL,
    LIBRARY_FORMAT,
    LINE_ID,
    PERCENT,
    RATE,
    SAY,
    STANDARD_LOG_FORMAT,
    TEXT,
    TEXTS,
    Atom,
    Enum,
    Key,
    ListOf,
    MapOf,
    Number,
    Section,
    Value,
    sentence,
)
from app.scenario.grammar_rubric import EVIDENCE, SCORE_RANGE, STEP
from app.scenario.reader import LINE_ID as LINE_ID_RE
from app.scenario.reader import SCENARIO_ID, SNAKE_ID
from app.scenario.vocabulary import KINDS, STATUSES
from app.studio import schema_parts as parts
from app.studio.schema_parts import Schema, d, obj, ref

CRITERION_KINDS = KINDS
DEFS = (LINE, LINE_REF, HANDLER, EVIDENCE, STEP)  # kept once in $defs, referred to by name

_ATOMS: dict[str, Schema] = {
    "text": ref("text"),
    "texts": ref("texts"),
    "snake_id": ref("snake_id"),
    "line_id": ref("line_id"),
    "scenario_id": {"type": "string", "pattern": SCENARIO_ID.pattern},
    "duration": ref("duration"),
    "anchor": ref("anchor"),
    "bool": {"type": "boolean"},
    "true": {"const": True},
    "format": {"const": FORMAT},
    "weight": {"type": "number", "exclusiveMinimum": 0},
    "rate": ref("rate"),
    "step_level": ref("step_level"),
    "expr": {"type": ["string", "number"]},
    "say": ref("say"),
    "say_item": ref("say_item"),
    "value": {"type": ["boolean", "integer", "string"]},
    "evidence": ref("evidence"),
    "criterion_kind": {"enum": list(CRITERION_KINDS)},
    "status": {"enum": list(STATUSES)},
}


def atom_schema(atom: Atom) -> Schema:
    """The JSON type of a kind of plain value."""
    if atom.name == "score":
        return {"anyOf": [number_schema(PERCENT), section_schema(SCORE_RANGE)]}
    if atom.name == "library_choice":
        library_id = {"type": "string", "pattern": SCENARIO_ID.pattern}  # or `none`
        return {"anyOf": [library_id, section_schema(LIBRARY_USE)]}
    if atom.name == "library_format":
        return {"const": LIBRARY_FORMAT}
    if atom.name == "standard_log_choice":
        log_id = {"type": "string", "pattern": SCENARIO_ID.pattern}  # or `none`
        return {"anyOf": [log_id, section_schema(STANDARD_LOG_USE)]}
    if atom.name == "standard_log_format":
        return {"const": STANDARD_LOG_FORMAT}
    if atom.name == "set_value":
        return {"anyOf": [_ATOMS["value"], section_schema(COMPUTED)]}
    if atom.name not in _ATOMS and isinstance(atom, Number):
        return number_schema(atom)
    return _ATOMS[atom.name]


def number_schema(kind: Number) -> Schema:
    out: Schema = {"type": "integer" if kind.integer else "number"}
    if kind.minimum is not None:
        out["minimum"] = kind.minimum
    if kind.maximum is not None:
        out["maximum"] = kind.maximum
    return out


def value_schema(value: Value) -> Schema:
    if isinstance(value, Atom):
        return atom_schema(value)
    if isinstance(value, Enum):
        return {"enum": list(value.names)}
    if isinstance(value, ListOf):
        item = value_schema(value.item)
        items: Schema = {"type": "array", **({"minItems": 1} if value.nonempty else {})}
        items["items"] = item
        return {"anyOf": [item, items]} if value.single else items
    if isinstance(value, MapOf):
        names = parts.snake_names(value.reserved) if value.ids else {"pattern": ".*"}
        out: Schema = {"type": "object", "propertyNames": names}
        out["additionalProperties"] = value_schema(value.item)
        if value.nonempty:
            out["minProperties"] = 1
        return out
    if value in DEFS:
        return ref(value.name)
    return section_schema(value)


def section_schema(sec: Section) -> Schema:
    """A closed object of the section's keys, with the rules between them."""
    props = {k.name: d(_key_doc(sec, k), value_schema(k.value)) for k in sec.keys}
    return obj(sentence(sec.doc), props, required=sec.required, **parts.rules(sec))


# an editor shows one key's description at a time: say what kind of key it is
_ROLE_PREFIX = {"trigger": "trigger: ", "kind": "evidence: "}
_FOR = {"handler": "for {}: ", "evidence": "for {} evidence: "}


def _key_doc(sec: Section, k: Key) -> str:
    if not k.doc:
        return ""
    prefix = _ROLE_PREFIX.get(k.role, "")
    if k.role == "option" and len(k.applies_to) <= 2 and sec.name in _FOR:
        prefix = _FOR[sec.name].format(" / ".join(k.applies_to))
    return sentence(prefix + k.doc)


def shared_defs() -> dict[str, Schema]:
    num_or_text = {"type": ["string", "number"]}
    say_items = {"type": "array", "minItems": 1, "items": ref("say_item")}
    return {
        "text": d(sentence(TEXT.doc), num_or_text),
        "texts": d(
            sentence(TEXTS.doc), {"anyOf": [ref("text"), {"type": "array", "items": ref("text")}]}
        ),
        "snake_id": d(sentence(ID.doc), {"type": "string", "pattern": SNAKE_ID.pattern}),
        "line_id": d(sentence(LINE_ID.doc), {"type": "string", "pattern": LINE_ID_RE.pattern}),
        "duration": d(
            sentence(DURATION.doc),
            {
                "anyOf": [
                    {"type": "number", "minimum": 0},
                    {"type": "string", "pattern": parts.DURATION},
                ]
            },
        ),
        "step_level": d(sentence(LEVEL.doc), number_schema(LEVEL)),
        "rate": d(sentence(RATE.doc), number_schema(RATE)),
        "anchor": d(sentence(ANCHOR.doc), {"type": "string", "pattern": parts.ANCHOR}),
        "line": section_schema(LINE),
        "line_ref": section_schema(LINE_REF),
        "say_item": {"anyOf": [ref("line_ref"), ref("line")]},
        "say": d(
            sentence(SAY.doc), {"anyOf": [ref("say_item"), say_items, section_schema(SEQUENCE)]}
        ),
        "handler": section_schema(HANDLER),
        "evidence": section_schema(EVIDENCE),
        "step": section_schema(STEP),
    }


def scenario_schema() -> Schema:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "callsim scenario",
        **section_schema(SCENARIO),
        "$defs": shared_defs(),
    }


def schema_json() -> str:
    """The schema as text, byte for byte what docs/callsim-scenario.schema.json holds."""
    return json.dumps(scenario_schema(), indent=2, ensure_ascii=False) + "\n"
