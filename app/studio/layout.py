"""A deterministic layered layout of a scenario map (`app.studio.graph.Graph`), as rows.

Row 0 holds "call connects" (and "any state", whose handlers apply everywhere); the states
follow in breadth-first order of the `goto` arrows from the start state; states reached only
by a global handler come next, then states nothing leads to; "ended" is the last row. Within
a row, states keep file order. Same file, same picture.
"""

from __future__ import annotations

from collections import deque

from app.studio.graph import ANY, CONNECT, ENDED, Graph


def layer_rows(g: Graph) -> list[list[str]]:
    """Node ids, row by row, top to bottom."""
    order = {n.id: i for i, n in enumerate(g.nodes)}
    states = [n.id for n in g.nodes if n.kind == "state"]
    succ: dict[str, list[str]] = {n.id: [] for n in g.nodes}
    for e in g.edges:
        if e.kind in ("entry", "goto") and e.target != e.source and e.target in succ:
            succ[e.source].append(e.target)
    depth: dict[str, int] = {}

    def spread(roots: list[str], first: int) -> None:
        queue = deque((r, first) for r in roots)
        for r in roots:
            depth[r] = first
        while queue:
            node, d = queue.popleft()
            for nxt in succ[node]:
                if nxt not in depth:
                    depth[nxt] = d + 1
                    queue.append((nxt, d + 1))

    start = [t for t in succ.get(CONNECT, []) if t in succ]
    spread(start, 1)
    deepest = max(depth.values(), default=0)
    by_any = [t for t in succ.get(ANY, []) if t not in depth]
    if by_any:
        spread(list(dict.fromkeys(by_any)), deepest + 1)
    rest = [s for s in states if s not in depth]
    if rest:
        spread([rest[0]], max(depth.values(), default=0) + 1)
        for s in rest[1:]:  # a second island: below the first
            if s not in depth:
                spread([s], max(depth.values(), default=0) + 1)
    rows: list[list[str]] = [[n.id for n in g.nodes if n.kind in ("connect", "any")]]
    for sid in sorted(depth, key=lambda s: (depth[s], order[s])):
        while len(rows) <= depth[sid]:
            rows.append([])
        rows[depth[sid]].append(sid)
    if any(n.id == ENDED for n in g.nodes):
        rows.append([ENDED])
    return [r for r in rows if r]
