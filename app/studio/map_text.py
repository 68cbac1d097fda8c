"""What the studio's map writes beside its boxes and arrows, kept readable however many
intents a scenario has (the built-in one understands more than forty, the standard library's
with its own): a trigger naming more than a few intents says how many ("intent: 5 intents"),
and a box that answers many intents without changing state lists them as one count
("↻ 13 intents") instead of a line each. The whole of every entry is in its tooltip.

Plain data (no Qt): `app/ui/studio/map_view.py` draws it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.studio.graph import GraphEdge

SHOW_INTENTS = 3  # a trigger names at most this many intents; more become a count
COLLAPSE_AT = 4  # a box with more plain intent loops than this lists them as one count
LOOP_CHARS = 56  # a loop's line is cut here (the whole of it is in its tooltip)


def count(n: int) -> str:
    return "1 intent" if n == 1 else f"{n} intents"


def edge_lines(e: GraphEdge) -> tuple[str, ...]:
    """The edge's label lines, a long list of intents in the trigger counted."""
    if len(e.intents) <= SHOW_INTENTS or not e.label:
        return e.label
    first = "intent: " + count(len(e.intents))
    if e.label[0].endswith(" (closing)"):
        first += " (closing)"
    return (first, *e.label[1:])


def edge_tooltip(e: GraphEdge) -> str:
    """Everything about the edge: the label as written, each intent on a line if many."""
    if len(e.intents) <= SHOW_INTENTS:
        return "\n".join(e.label)
    return "\n".join(("intent:", *(f"  {i}" for i in e.intents), *e.label[1:]))


@dataclass(frozen=True)
class LoopText:
    """One line of a box's list of handlers that keep the state."""

    text: str
    tooltip: str
    edges: tuple[GraphEdge, ...]

    @property
    def line(self) -> int:
        return self.edges[0].line

    @property
    def closing(self) -> bool:
        return any(e.closing for e in self.edges)

    @property
    def silence(self) -> bool:
        return all(e.silence for e in self.edges)


def _short(text: str) -> str:
    return text if len(text) <= LOOP_CHARS else text[: LOOP_CHARS - 1] + "…"


def _plain_intent(e: GraphEdge) -> bool:
    """An intent handler that only answers: no conditions, no mark, not a closing one."""
    return bool(e.intents) and len(e.label) == 1 and not e.closing


def loop_texts(loops: Sequence[GraphEdge]) -> list[LoopText]:
    """A box's loops, one line each, in file order; when more than COLLAPSE_AT of them only
    answer an intent, those become one line (where the first of them was) with their count."""
    plain = [e for e in loops if _plain_intent(e)]
    collapse = len(plain) > COLLAPSE_AT
    out: list[LoopText] = []
    for e in loops:
        if collapse and _plain_intent(e):
            if e is plain[0]:
                ids = [i for p in plain for i in p.intents]
                tip = "\n".join(f"intent: {', '.join(p.intents)} (line {p.line})" for p in plain)
                out.append(LoopText("↻ " + count(len(ids)), tip, tuple(plain)))
            continue
        text = "; ".join(edge_lines(e))
        out.append(LoopText(_short("↻ " + text), edge_tooltip(e), (e,)))
    return out
