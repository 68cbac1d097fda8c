"""The map of a scenario: states as nodes, handlers as edges, as plain data.

`scenario_graph` builds a `Graph` that the command line renders as Mermaid or Graphviz DOT
(`callsim graph`) and that the Qt studio can draw itself. Conventions:

- a `connect` node points at the start state (where the call begins);
- a handler with `goto` is an edge to that state; `hang_up` is an edge to the `ended` node; any
  other handler is a loop on its own node (the caller answers, the state stays);
- global handlers start from one `any` node ("any state") instead of from every state;
- closing attempts (the `closing_attempt` event, or an intent marked `closing: true`) and
  silence triggers are flagged on the edge (`closing`, `silence`) and drawn in their own colour;
- an edge's label lines are: the trigger, then its conditions (`nth`, `once`, `when`), then
  the mark it sets, if any.

Everything is in file order, so the output is the same for the same file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from app.scenario.checks import time_label
from app.scenario.model import Handler, Scenario
from app.studio.exprtext import expr_text

NodeKind = Literal["connect", "state", "any", "ended"]
EdgeKind = Literal["entry", "goto", "stay", "hang_up"]

CONNECT, ANY, ENDED = "connect", "any", "ended"
CLOSING_COLOUR, SILENCE_COLOUR = "#c0392b", "#2471a3"


@dataclass(frozen=True)
class GraphNode:
    id: str  # unique and safe in Mermaid and DOT: "s_<state id>", or connect/any/ended
    label: str
    kind: NodeKind
    start: bool = False  # the state the call starts in
    line: int = 0  # where the state is defined (0 for the special nodes)


@dataclass(frozen=True)
class GraphEdge:
    source: str
    target: str
    kind: EdgeKind
    label: tuple[str, ...] = ()  # lines: trigger, conditions, mark
    closing: bool = False
    silence: bool = False
    handler: str = ""  # the handler's key, e.g. "states.opening.on[2]" or "global[0]"
    line: int = 0  # where the handler is defined
    intents: tuple[str, ...] = ()  # an intent handler's intents


@dataclass(frozen=True)
class Graph:
    title: str
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]


def state_node_id(state_id: str) -> str:
    return f"s_{state_id}"


def scenario_graph(s: Scenario) -> Graph:
    closing = frozenset(i.id for i in s.intents.values() if i.closing)
    nodes = [GraphNode(CONNECT, "call connects", "connect")]
    nodes.extend(
        GraphNode(state_node_id(sid), sid, "state", start=sid == s.start, line=st.pos.line)
        for sid, st in s.states.items()
    )
    edges = [GraphEdge(CONNECT, state_node_id(s.start), "entry")]
    for sid, st in s.states.items():
        edges.extend(_edge(h, state_node_id(sid), closing) for h in st.on)
    if s.global_handlers:
        nodes.append(GraphNode(ANY, "any state", "any"))
        edges.extend(_edge(h, ANY, closing) for h in s.global_handlers)
    if any(e.kind == "hang_up" for e in edges):
        nodes.append(GraphNode(ENDED, "ended", "ended"))
    return Graph(s.id, tuple(nodes), tuple(edges))


def _edge(h: Handler, source: str, closing: frozenset[str]) -> GraphEdge:
    kind: EdgeKind
    if h.hang_up:
        kind, target = "hang_up", ENDED
    elif h.goto:
        kind, target = "goto", state_node_id(h.goto)
    else:
        kind, target = "stay", source
    is_closing = h.trigger == "closing_attempt" or any(i in closing for i in h.intents)
    return GraphEdge(
        source,
        target,
        kind,
        label=trigger_label(h, closing),
        closing=is_closing,
        silence=h.trigger == "silence",
        handler=h.key,
        line=h.pos.line,
        intents=h.intents,
    )


def trigger_label(h: Handler, closing: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The label lines of a handler: what fires it, its conditions, the mark it sets."""
    if h.trigger == "intent":
        first = "intent: " + ", ".join(h.intents)
        if any(i in closing for i in h.intents):
            first += " (closing)"
    elif h.trigger == "closing_attempt":
        first = "closing attempt"
    elif h.trigger == "silence":
        first = f"silence {h.after or 0:g}s"
    elif h.trigger in ("flag_raised", "flag_lowered"):
        first = f"{h.trigger.replace('_', ' ')}: {h.flag}"
    elif h.trigger == "log_changed":
        first = f"log changed: {h.field}" if h.field else "log changed"
    elif h.trigger == "time":
        first = f"time: {time_label(h)}"
    elif h.trigger == "any_line":
        first = "any line"
    elif h.trigger == "any_flag":
        first = "any flag raised"
    else:
        first = "fallback"
    conditions = []
    if h.nth is not None:
        conditions.append(f"nth {h.nth}")
    if h.once:
        conditions.append("once")
    if h.when is not None:
        conditions.append(f"when {expr_text(h.when)}")
    lines = [first]
    if conditions:
        lines.append(", ".join(conditions))
    if h.mark:
        lines.append(f"mark: {h.mark}")
    return tuple(lines)


# -- rendering ------------------------------------------------------------------------------
def drawn_edges(g: Graph) -> list[tuple[GraphEdge, ...]]:
    """The edges as drawn: a transition alone, and all the loops ("stay" edges) of one node
    together as one loop (where the first of them would be), so that a state answering many
    intents gets one readable list instead of a tangle of loops."""
    out: list[tuple[GraphEdge, ...]] = []
    loops: dict[str, list[GraphEdge]] = {}
    for e in g.edges:
        if e.kind != "stay":
            out.append((e,))
        elif e.source in loops:
            loops[e.source].append(e)
        else:
            loops[e.source] = [e]
            out.append(())  # placeholder, filled below
    it = iter(loops.values())
    return [group if group else tuple(next(it)) for group in out]


def _one_line(e: GraphEdge) -> str:
    return "; ".join(e.label)


# -- Mermaid --------------------------------------------------------------------------------
_MERMAID_ESCAPES = {
    "#": "#35;",
    '"': "#quot;",
    "<": "#lt;",
    ">": "#gt;",
    "&": "#amp;",
    "|": "#124;",
}
_MERMAID_ARROWS = {"entry": "-->", "goto": "-->", "stay": "-.->", "hang_up": "==>"}
_MERMAID_SHAPES = {
    "connect": ('(["', '"])'),
    "state": ('["', '"]'),
    "any": ('{{"', '"}}'),
    "ended": ('((("', '")))'),
}


def _mermaid_text(text: str) -> str:
    return "".join(_MERMAID_ESCAPES.get(c, c) for c in text)


def _mermaid_label(group: tuple[GraphEdge, ...]) -> str:
    if len(group) == 1 and group[0].kind != "stay":
        return "<br/>".join(_mermaid_text(t) for t in group[0].label)
    lines = []
    for e in group:  # a node's loops: one handler a line; closing in bold, silence in italics
        text = _mermaid_text(_one_line(e))
        lines.append(f"<b>{text}</b>" if e.closing else f"<i>{text}</i>" if e.silence else text)
    return "<br/>".join(lines)


def render_mermaid(g: Graph) -> str:
    out = [f"%% callsim graph: {g.title}", "flowchart TD"]
    for n in g.nodes:
        opening, closing = _MERMAID_SHAPES[n.kind]
        label = n.label + (" (start)" if n.start else "")
        out.append(f"    {n.id}{opening}{_mermaid_text(label)}{closing}")
    groups = drawn_edges(g)
    for group in groups:
        e = group[0]
        arrow = _MERMAID_ARROWS[e.kind]
        if e.label:
            out.append(f'    {e.source} {arrow}|"{_mermaid_label(group)}"| {e.target}')
        else:
            out.append(f"    {e.source} {arrow} {e.target}")
    out.append("    classDef start stroke-width:3px")
    out.append("    classDef special stroke-dasharray:4 3")
    starts = [n.id for n in g.nodes if n.start]
    if starts:
        out.append(f"    class {','.join(starts)} start")
    specials = [n.id for n in g.nodes if n.kind in ("connect", "any")]
    if specials:
        out.append(f"    class {','.join(specials)} special")
    for colour, pick in ((CLOSING_COLOUR, "closing"), (SILENCE_COLOUR, "silence")):
        idx = [
            str(i)
            for i, group in enumerate(groups)
            if group[0].kind != "stay" and getattr(group[0], pick)
        ]
        if idx:
            out.append(f"    linkStyle {','.join(idx)} stroke:{colour},color:{colour}")
    return "\n".join(out) + "\n"


# -- Graphviz DOT ---------------------------------------------------------------------------
_DOT_SHAPES = {
    "connect": "shape=plaintext",
    "state": "shape=box, style=rounded",
    "any": "shape=hexagon, style=dashed",
    "ended": "shape=doublecircle",
}
_DOT_STYLES = {"entry": "", "goto": "", "stay": "style=dashed", "hang_up": "penwidth=2"}


def _dot_text(*lines: str) -> str:
    """A quoted DOT string; several lines are joined with centred line breaks."""
    escaped = (t.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") for t in lines)
    return '"' + "\\n".join(escaped) + '"'


def _dot_html(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _colour(e: GraphEdge) -> str | None:
    return CLOSING_COLOUR if e.closing else SILENCE_COLOUR if e.silence else None


def render_dot(g: Graph) -> str:
    out = [
        f"digraph {_dot_text(g.title)} {{",
        "    rankdir=TB;",
        '    node [fontname="Helvetica"];',
        '    edge [fontname="Helvetica", fontsize=10];',
    ]
    for n in g.nodes:
        label = n.label + (" (start)" if n.start else "")
        attrs = [f"label={_dot_text(label)}", _DOT_SHAPES[n.kind]]
        if n.start:
            attrs.append("penwidth=2")
        out.append(f"    {n.id} [{', '.join(attrs)}];")
    for group in drawn_edges(g):
        e = group[0]
        attrs = []
        if e.kind == "stay":  # a node's loops: one handler a line, coloured like its edges
            lines = []
            for x in group:
                text = _dot_html(_one_line(x))
                c = _colour(x)
                lines.append(f'<font color="{c}">{text}</font>' if c else text)
            attrs.append("label=<" + "".join(f'{t}<br align="left"/>' for t in lines) + ">")
        elif e.label:
            attrs.append(f"label={_dot_text(*e.label)}")
        if _DOT_STYLES[e.kind]:
            attrs.append(_DOT_STYLES[e.kind])
        colour = _colour(e) if e.kind != "stay" else None
        if colour:
            attrs.append(f'color="{colour}", fontcolor="{colour}"')
        suffix = f" [{', '.join(attrs)}]" if attrs else ""
        out.append(f"    {e.source} -> {e.target}{suffix};")
    out.append("}")
    return "\n".join(out) + "\n"


RENDERERS = {"mermaid": render_mermaid, "dot": render_dot}
