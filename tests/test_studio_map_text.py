"""The studio map's text (app/studio/map_text.py): long intent lists become counts, so the map
of a scenario with the library's forty intents stays readable."""

from __future__ import annotations

from pathlib import Path

from app.scenario.loader import load_scenario
from app.studio.graph import ANY, GraphEdge, scenario_graph, state_node_id
from app.studio.map_text import COLLAPSE_AT, LOOP_CHARS, edge_lines, edge_tooltip, loop_texts

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def stay(intents: tuple[str, ...], line: int, *extra: str, closing: bool = False) -> GraphEdge:
    first = "intent: " + ", ".join(intents) + (" (closing)" if closing else "")
    return GraphEdge("s", "s", "stay", (first, *extra), closing=closing, line=line, intents=intents)


def test_a_trigger_with_many_intents_says_how_many() -> None:
    few = stay(("a", "b", "c"), 3)
    assert edge_lines(few) == few.label and edge_tooltip(few) == "intent: a, b, c"
    many = stay(("a", "b", "c", "d", "e"), 4, "when not told", "mark: told")
    assert edge_lines(many) == ("intent: 5 intents", "when not told", "mark: told")
    assert edge_tooltip(many) == "intent:\n  a\n  b\n  c\n  d\n  e\nwhen not told\nmark: told"
    closing = stay(("a", "b", "c", "d"), 5, closing=True)
    assert edge_lines(closing) == ("intent: 4 intents (closing)",)


def test_many_plain_intent_loops_are_one_line_with_their_count() -> None:
    silence = GraphEdge("s", "s", "stay", ("silence 20s",), silence=True, line=9)
    plain = [stay((f"ask_{i}",), 10 + i) for i in range(COLLAPSE_AT + 1)]
    guarded = stay(("ask_x",), 30, "once")  # a condition: it keeps its own line
    texts = loop_texts([silence, *plain[:2], guarded, *plain[2:]])
    assert [t.text for t in texts] == [
        "↻ silence 20s",
        f"↻ {COLLAPSE_AT + 1} intents",
        "↻ intent: ask_x; once",
    ]
    counted = texts[1]
    assert counted.edges == tuple(plain) and counted.line == 10  # goes to the first of them
    assert counted.tooltip.splitlines()[0] == "intent: ask_0 (line 10)"
    assert len(counted.tooltip.splitlines()) == COLLAPSE_AT + 1
    assert texts[0].silence and not counted.silence and not counted.closing


def test_a_few_plain_loops_keep_a_line_each() -> None:
    plain = [stay((f"ask_{i}",), i) for i in range(COLLAPSE_AT)]
    assert [t.text for t in loop_texts(plain)] == [f"↻ intent: ask_{i}" for i in range(COLLAPSE_AT)]


def test_the_built_in_scenarios_map_lists_counts_not_forty_intents() -> None:
    s = load_scenario(SCENARIOS / "misconduct-disclosure.yaml")
    assert len(s.intents) >= 40  # the library's and its own
    g = scenario_graph(s)
    loops = {n.id: [e for e in g.edges if e.kind == "stay" and e.source == n.id] for n in g.nodes}
    any_state = [t.text for t in loop_texts(loops[ANY])]
    disclosed = [t.text for t in loop_texts(loops[state_node_id("disclosed")])]
    assert any_state == [
        "↻ closing attempt; nth 1, when not disclosed; mark: scr…",  # cut at LOOP_CHARS
        "↻ intent: 6 intents; when not disclosed",
        "↻ silence 20s; when not disclosed",
        "↻ fallback",
    ]
    assert disclosed[0] == "↻ 10 intents" and len(disclosed) == 5
    assert all(len(t) <= LOOP_CHARS for t in any_state + disclosed)
