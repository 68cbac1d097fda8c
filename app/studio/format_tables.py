"""The reference tables of docs/scenario-format.md, generated from the grammar
(app/scenario/grammar.py) so the docs list exactly the keys, triggers and values the loader
takes. Each table sits between `<!-- table: NAME -->` and `<!-- end table -->`; the prose
around them is written by hand.

    python -m app.studio.format_tables --write   # rewrite the tables in the docs
    python -m app.studio.format_tables --check   # exit 1 if the docs are stale
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from app.scenario.grammar import (
    ASSESSMENT,
    CALL_INFO,
    FLAG,
    HANDLER,
    INTENT,
    LINE,
    LOG_FIELD,
    SCENARIO,
    TRIGGERS,
)
from app.scenario.grammar_kinds import (
    ANCHOR,
    ANCHOR_KIND,
    DURATION,
    EXPR,
    ID,
    LINE_ID,
    SAY,
    TEXT,
    TEXTS,
    Atom,
    Enum,
    Key,
    ListOf,
    MapOf,
    Section,
    Trigger,
    Value,
)
from app.scenario.grammar_rubric import CRITERION, EVIDENCE, EXPECT, METRIC, STEP
from app.scenario.vocabulary import STATUSES
from app.studio.schema import CRITERION_KINDS

DOCS = Path(__file__).resolve().parents[2] / "docs" / "scenario-format.md"
# values whose words the results code keeps (not the grammar): list them as they are there
_WORDS = {"criterion_kind": "|".join(CRITERION_KINDS), "status": "|".join(STATUSES)}
_TABLE = re.compile(r"(<!-- table: ([a-z_]+) -->\n)(.*?)(<!-- end table -->)", re.S)


# -- how values are written ----------------------------------------------------------------
def form(value: Value) -> str:
    """How the docs write a value of this kind: `ID`, `ID or [ID, ...]`, `{variable: VALUE}`."""
    if isinstance(value, Atom):
        return _WORDS.get(value.name, value.form)
    if isinstance(value, Enum):
        return "|".join(value.names)
    if isinstance(value, ListOf):
        many = f"[{form(value.item)}, ...]"
        return f"{form(value.item)} or {many}" if value.single else many
    if isinstance(value, MapOf):
        return f"{{{value.key}: {form(value.item)}}}"
    return shape(value)


def written(key: Key) -> str:
    """`key: FORM`, as a code span."""
    return code(f"{key.name}: {key.form or form(key.value)}")


def shape(value: Value, depth: int = 1) -> str:
    """A section's keys at a glance, nested sections two levels deep: `{name, voice: {...}}`."""
    if isinstance(value, MapOf):
        inner = shape(value.item, depth) if isinstance(value.item, Section) else form(value.item)
        return f"{{{value.key}: {inner}}}"
    if not isinstance(value, Section):
        return ""
    return "{" + ", ".join(_shape_part(k, depth) for k in value.keys) + "}"


def _shape_part(k: Key, depth: int) -> str:
    v = k.value
    if isinstance(v, Section):
        return f"{k.name}: " + (shape(v, depth + 1) if depth < 2 else "{...}")
    if isinstance(v, MapOf):
        return f"{k.name}: {{...}}"
    if isinstance(v, ListOf) and isinstance(v.item, Section):
        return f"{k.name}: [...]"
    if isinstance(v, Enum):
        return f"{k.name}: {form(v)}"
    return k.name


def code(text: str) -> str:
    return f"`{text}`"


# -- tables --------------------------------------------------------------------------------
def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    return "\n".join([line(header), "|" + "---|" * len(header), *map(line, rows)]) + "\n"


def _yes(k: Key) -> str:
    return "yes" if k.required else "no"


def _top() -> str:
    def meaning(k: Key) -> str:
        s = shape(k.value)
        text = f"{code(s)}: {k.doc}" if s else k.doc
        return text + (f" (see *{k.see}*)" if k.see else "")

    rows = [(code(k.name), _yes(k), meaning(k)) for k in SCENARIO.keys]
    return table(("key", "required", "meaning"), rows)


def _keys(sec: Section, *, required: bool = False) -> str:
    if required:
        return table(
            ("key", "required", "meaning"), [(written(k), _yes(k), k.doc) for k in sec.keys]
        )
    return table(("key", "meaning"), [(written(k), k.doc) for k in sec.keys])


def _trigger_written(t: Trigger) -> str:
    if t.key != "event":
        return written(HANDLER.key(t.key))
    out = code(f"event: {t.name}")
    options = [k for k in HANDLER.role("option") if t.name in k.applies_to]
    needed = [written(k) for k in options if k.name in t.needs]
    either = [written(k) for k in options if k.name in t.one_of]
    optional = [written(k) for k in options if k.name not in (*t.needs, *t.one_of)]
    if needed:
        out += " with " + ", ".join(needed)
    if either:
        out += " with " + " or ".join(either)
    if optional:
        out += (", optional " if needed or either else " with optional ") + ", ".join(optional)
    return out


def _triggers() -> str:
    return table(("trigger", "fires when"), [(_trigger_written(t), t.doc) for t in TRIGGERS])


def _role(sec: Section, role: str, title: str) -> str:
    return table((title, "meaning"), [(written(k), k.doc) for k in sec.role(role)])


def _evidence() -> str:
    options = EVIDENCE.role("option")
    rows = []
    for k in EVIDENCE.role("kind"):
        takes = [code(o.name) for o in options if k.name in o.applies_to]
        written = code("{" + f"{k.name}: {k.form or form(k.value)}" + "}")
        rows.append((written, k.doc, ", ".join(takes)))
    return table(("evidence", "found when", "may also take"), rows)


def _evidence_options() -> str:
    rows = [(written(k), ", ".join(k.applies_to), k.doc) for k in EVIDENCE.role("option")]
    return table(("option", "on", "meaning"), rows)


def _anchors() -> str:
    rows = [(code(f"{m.name}:{m.form}"), m.doc) for m in ANCHOR_KIND.members]
    return table(("anchor", "the first time"), rows)


def _steps() -> str:
    rows = [(written(k), k.doc) for k in STEP.keys]
    return table(("step", "meaning"), rows)


def _values() -> str:
    atoms = (TEXT, TEXTS, ID, LINE_ID, DURATION, ANCHOR, EXPR, SAY)
    return table(("written", "means"), [(code(a.form), a.doc) for a in atoms])


TABLES: dict[str, Callable[[], str]] = {
    "top": _top,
    "values": _values,
    "assessment": lambda: _keys(ASSESSMENT),
    "call_info": lambda: _keys(CALL_INFO),
    "flag": lambda: _keys(FLAG),
    "log_field": lambda: _keys(LOG_FIELD),
    "line": lambda: _keys(LINE, required=True),
    "intent": lambda: _keys(INTENT),
    "triggers": _triggers,
    "conditions": lambda: _role(HANDLER, "condition", "condition"),
    "effects": lambda: _role(HANDLER, "effect", "effect"),
    "criterion": lambda: _keys(CRITERION, required=True),
    "evidence": _evidence,
    "evidence_options": _evidence_options,
    "anchors": _anchors,
    "metric": lambda: _keys(METRIC),
    "steps": _steps,
    "expect": lambda: _keys(EXPECT),
}


def render(text: str) -> str:
    """`text` with every marked table regenerated (an unknown table name is an error)."""

    def one(m: re.Match[str]) -> str:
        name = m.group(2)
        if name not in TABLES:
            raise KeyError(f"no table named {name!r} (known: {', '.join(TABLES)})")
        return m.group(1) + TABLES[name]() + m.group(4)

    return _TABLE.sub(one, text)


def tables_in(text: str) -> list[str]:
    return [m.group(2) for m in _TABLE.finditer(text)]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args not in (["--write"], ["--check"]):
        print("usage: python -m app.studio.format_tables --write | --check", file=sys.stderr)
        return 2
    old = DOCS.read_text(encoding="utf-8")
    new = render(old)
    if args == ["--check"]:
        if new != old:
            print(f"{DOCS} is stale: run python -m app.studio.format_tables --write")
            return 1
        return 0
    if new != old:
        DOCS.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
