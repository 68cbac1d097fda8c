"""Reading `intents:` (a scenario's, or an intent library's: they are written the same way),
with every problem located (file, line, column)."""

from __future__ import annotations

from app.scenario.grammar import INTENT, PATTERN
from app.scenario.grammar_kinds import NEAR, SHARE
from app.scenario.model import Intent, Pattern, Pos
from app.scenario.reader import Reader
from app.scenario.yamlsrc import YNode


def named(r: Reader, node: YNode | None, what: str) -> list[tuple[str, YNode, Pos]]:
    """Entries of a mapping keyed by snake_case ids."""
    if node is None:
        return []
    if not node.is_map:
        r.error(node.pos, "E010", f"{what} must be a mapping of ids")
        return []
    return [
        (key, val, node.key_pos[key])
        for key, val in node.value.items()
        if r.key_ident(node, key, what)
    ]


def read_pattern(r: Reader, node: YNode) -> Pattern | None:
    m = r.section(node, "pattern", PATTERN)
    if m is None:
        return None
    near = r.amount(m.get("near"), "near", NEAR)
    p = Pattern(
        any=r.strings(m.get("any"), "any"),
        all=r.strings(m.get("all"), "all"),
        pos=node.pos,
        ordered=bool(r.boolean(m.get("ordered"), "ordered")),
        near=None if near is None else int(near),
    )
    if not p.any and not p.all:
        r.error(node.pos, "E011", "a pattern needs 'any' or 'all' words")
    elif (p.ordered or p.near is not None) and len(p.all) < 2:
        key = "ordered" if p.ordered else "near"
        r.error(m[key].pos, "E013", f"'{key}' needs two or more 'all' words or phrases")
    return p


def read_intents(r: Reader, node: YNode | None, *, origin: str | None = None) -> dict[str, Intent]:
    out: dict[str, Intent] = {}
    for key, val, pos in named(r, node, "intents"):
        m = r.section(val, f"intent '{key}'", INTENT)
        if m is None:
            continue
        patterns = tuple(
            p for pnode in r.seq(m.get("patterns"), "patterns") if (p := read_pattern(r, pnode))
        )
        examples = r.strings(m.get("examples"), "examples")
        if not examples and not patterns:
            r.error(pos, "E011", f"intent '{key}' needs examples or patterns")
        out[key] = Intent(
            id=key,
            examples=examples,
            patterns=patterns,
            not_examples=r.strings(m.get("not"), "not"),
            closing=bool(r.boolean(m.get("closing"), "closing")),
            description=r.text(m.get("description"), "description"),
            pos=pos,
            threshold=r.amount(m.get("threshold"), "threshold", SHARE),
            origin=origin,
        )
    return out
