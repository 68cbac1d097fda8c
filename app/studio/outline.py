"""The studio's outline of a scenario as plain data: states (with what they say and their
handlers), global handlers, intents, lines, criteria and playtests, each with the line of
the file it is defined on, for a tree that jumps to it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from app.scenario.model import Handler, Line, Say, Scenario
from app.studio.graph import trigger_label
from app.studio.lines import defined_lines, line_emotion

EntryKind = Literal["group", "state", "handler", "intent", "line", "criterion", "playtest"]


@dataclass(frozen=True)
class OutlineEntry:
    label: str
    kind: EntryKind
    line: int = 0  # 1-based; 0 for groups
    col: int = 1
    ref: str = ""  # the id of what it names (state, intent, line, criterion); "" for others
    children: tuple[OutlineEntry, ...] = ()


def _said(say: Say | None) -> tuple[OutlineEntry, ...]:
    if say is None:
        return ()
    return tuple(
        OutlineEntry(f"“{ln.text}”  [{ln.id}]", "line", ln.pos.line, ln.pos.col, ln.id)
        for ln in say.lines
    )


def handler_entry(h: Handler, closing: frozenset[str]) -> OutlineEntry:
    label = " · ".join(trigger_label(h, closing))
    if h.hang_up:
        label += "  → hangs up"
    elif h.goto:
        label += f"  → {h.goto}"
    return OutlineEntry(label, "handler", h.pos.line, h.pos.col, h.key, _said(h.say))


def scenario_outline(s: Scenario) -> tuple[OutlineEntry, ...]:
    closing = frozenset(i.id for i in s.intents.values() if i.closing)
    states = tuple(
        OutlineEntry(
            sid + ("  (start)" if sid == s.start else ""),
            "state",
            st.pos.line,
            st.pos.col,
            sid,
            _said(st.say) + tuple(handler_entry(h, closing) for h in st.on),
        )
        for sid, st in s.states.items()
    )
    groups = [OutlineEntry(f"States ({len(states)})", "group", children=states)]
    if s.global_handlers:
        handlers = tuple(handler_entry(h, closing) for h in s.global_handlers)
        groups.append(OutlineEntry(f"Any state ({len(handlers)})", "group", children=handlers))
    intents = tuple(
        OutlineEntry(
            iid + ("  (closing)" if it.closing else ""), "intent", it.pos.line, it.pos.col, iid
        )
        for iid, it in s.intents.items()
        if it.origin is None  # the file's own: the library's are not in this file
    )
    groups.append(OutlineEntry(f"Intents ({len(intents)})", "group", children=intents))
    lines = tuple(
        OutlineEntry(
            f"{ln.id}  [{line_emotion(s, ln) or '-'}]  {ln.text}",
            "line",
            ln.pos.line,
            ln.pos.col,
            ln.id,
        )
        for ln in defined_lines(s)
        if ln.pos.line > 0  # lines from outside the file (the library's clarify lines) are not
    )
    groups.append(OutlineEntry(f"Lines ({len(lines)})", "group", children=lines))
    criteria = tuple(
        OutlineEntry(
            f"{c.id}: {c.title} ({c.weight:g}{', critical' if c.critical else ''})",
            "criterion",
            c.pos.line,
            c.pos.col,
            c.id,
        )
        for c in s.rubric.criteria
    )
    groups.append(OutlineEntry(f"Criteria ({len(criteria)})", "group", children=criteria))
    if s.playtests:
        tests = tuple(
            OutlineEntry(pt.name, "playtest", pt.pos.line, pt.pos.col, pt.name)
            for pt in s.playtests
        )
        groups.append(OutlineEntry(f"Playtests ({len(tests)})", "group", children=tests))
    return tuple(groups)


def line_near(s: Scenario, line: int, reach: int = 3) -> Line | None:
    """The caller line defined on file line `line`, or the nearest one starting at most
    `reach` lines above it (a block-style line spans several: `- id:`, `text:`, ...)."""
    best: Line | None = None
    for ln in s.lines.values():
        if (
            ln.pos.line > 0
            and line - reach <= ln.pos.line <= line
            and (best is None or (ln.pos.line, ln.pos.col) > (best.pos.line, best.pos.col))
        ):
            best = ln
    return best
