"""`callsim graph`: the scenario map as data, Mermaid and DOT (exact text for a fixture)."""

from __future__ import annotations

import pytest

from app.cli import main
from app.scenario import expr
from app.scenario.loader import load_scenario_text
from app.scenario.model import Scenario
from app.studio.exprtext import expr_text
from app.studio.graph import render_dot, render_mermaid, scenario_graph
from tests.conftest import SCENARIOS

TINY = """\
format: callsim/scenario@1
id: tiny
title: Tiny
start: one
caller: {name: Jo}
variables:
  told: {type: bool, default: false}
  mood: {type: str, default: calm}
intents:
  where: {examples: [where are you]}
  bye: {examples: [bye], closing: true}
states:
  one:
    say: [{id: one.hi, text: "Hello?"}]
    on:
      - intent: where
        say: {id: one.where, text: "Mill Lane."}
        goto: two
      - intent: bye
        nth: 2
        say: {id: one.bye, text: "Bye."}
        hang_up: true
  two:
    on:
      - fallback: true
        when: mood == "calm" and count.fallback < 3
        say: {id: two.what, text: "What?"}
global:
  - event: closing_attempt
    once: true
    when: not told
    say: {id: g.tell, text: "Wait!"}
    set: {told: true}
    mark: told
  - event: silence
    after: 10s
    say: {id: g.sil, text: "Hello??"}
  - event: silence
    after: 30s
    say: {id: g.gone, text: "Forget it."}
    hang_up: true
rubric:
  pass_mark: 50
  criteria:
    - {id: asked, title: Asked, weight: 1, evidence: {intent: where}}
"""

MERMAID = """\
%% callsim graph: tiny
flowchart TD
    connect(["call connects"])
    s_one["one (start)"]
    s_two["two"]
    any{{"any state"}}
    ended((("ended")))
    connect --> s_one
    s_one -->|"intent: where"| s_two
    s_one ==>|"intent: bye (closing)<br/>nth 2"| ended
    s_two -.->|"fallback; when mood == #quot;calm#quot; and count.fallback #lt; 3"| s_two
    any -.->|"<b>closing attempt; once, when not told; mark: told</b><br/><i>silence 10s</i>"| any
    any ==>|"silence 30s"| ended
    classDef start stroke-width:3px
    classDef special stroke-dasharray:4 3
    class s_one start
    class connect,any special
    linkStyle 2 stroke:#c0392b,color:#c0392b
    linkStyle 5 stroke:#2471a3,color:#2471a3
"""

DOT = """\
digraph "tiny" {
    rankdir=TB;
    node [fontname="Helvetica"];
    edge [fontname="Helvetica", fontsize=10];
    connect [label="call connects", shape=plaintext];
    s_one [label="one (start)", shape=box, style=rounded, penwidth=2];
    s_two [label="two", shape=box, style=rounded];
    any [label="any state", shape=hexagon, style=dashed];
    ended [label="ended", shape=doublecircle];
    connect -> s_one;
    s_one -> s_two [label="intent: where"];
    s_one -> ended [label="intent: bye (closing)\\nnth 2", penwidth=2, color="#c0392b", \
fontcolor="#c0392b"];
    s_two -> s_two [label=<fallback; when mood == &quot;calm&quot; and count.fallback &lt; 3\
<br align="left"/>>, style=dashed];
    any -> any [label=<<font color="#c0392b">closing attempt; once, when not told; mark: told\
</font><br align="left"/><font color="#2471a3">silence 10s</font><br align="left"/>>, \
style=dashed];
    any -> ended [label="silence 30s", penwidth=2, color="#2471a3", fontcolor="#2471a3"];
}
"""


def tiny() -> Scenario:
    return load_scenario_text(TINY, "tiny.yaml")


def test_graph_data() -> None:
    g = scenario_graph(tiny())
    assert [n.id for n in g.nodes] == ["connect", "s_one", "s_two", "any", "ended"]
    assert [n.id for n in g.nodes if n.start] == ["s_one"]
    kinds = [(e.source, e.target, e.kind) for e in g.edges]
    assert kinds == [
        ("connect", "s_one", "entry"),
        ("s_one", "s_two", "goto"),
        ("s_one", "ended", "hang_up"),
        ("s_two", "s_two", "stay"),
        ("any", "any", "stay"),
        ("any", "any", "stay"),
        ("any", "ended", "hang_up"),
    ]
    closing = [e.handler for e in g.edges if e.closing]
    silence = [e.handler for e in g.edges if e.silence]
    assert closing == ["states.one.on[1]", "global[0]"]  # a closing intent counts too
    assert silence == ["global[1]", "global[2]"]
    assert g.edges[4].label == ("closing attempt", "once, when not told", "mark: told")


def test_mermaid_exact() -> None:
    assert render_mermaid(scenario_graph(tiny())) == MERMAID


def test_dot_exact() -> None:
    assert render_dot(scenario_graph(tiny())) == DOT


def test_no_ended_or_any_node_when_unused() -> None:
    text = TINY[: TINY.index("global:")] + TINY[TINY.index("rubric:") :]
    text = text.replace("        hang_up: true\n", "")
    g = scenario_graph(load_scenario_text(text, "tiny.yaml"))
    assert [n.kind for n in g.nodes] == ["connect", "state", "state"]


@pytest.mark.parametrize(
    "source",
    [
        "not told",
        "not (told and x)",
        'mood == "calm" and count.fallback < 3',
        "a or b and c",
        "(a or b) and c",
        "not x == 1",
        "1 < elapsed <= 20.5",
        "flags.risk != false",
    ],
)
def test_expr_text_round_trips(source: str) -> None:
    parsed = expr.parse(source)
    assert expr.parse(expr_text(parsed)) == parsed


@pytest.mark.parametrize("fmt", ["mermaid", "dot"])
def test_cli_graph_is_deterministic(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(SCENARIOS / "misconduct-disclosure.yaml")
    assert main(["graph", path, "--format", fmt]) == 0
    first = capsys.readouterr().out
    assert main(["graph", path, "--format", fmt]) == 0
    assert capsys.readouterr().out == first
    assert "mark: disclosure" in first and "closing attempt" in first


def test_cli_graph_default_is_mermaid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", str(SCENARIOS / "misconduct-disclosure.yaml")]) == 0
    assert capsys.readouterr().out.splitlines()[1] == "flowchart TD"


def test_cli_graph_bad_format_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["graph", "x.yaml", "--format", "svg"])
    assert exc.value.code == 2
