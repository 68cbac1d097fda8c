"""The studio's plain-Python services (no Qt): linting a buffer, playing and replaying a
conversation, writing a run into the file as a playtest, saving with backups, the map layout
and the outline."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.headless import run_playtest, run_steps
from app.scenario.loader import load_scenario
from app.services.catalog import build_matcher
from app.studio.files import BACKUP_DIR, KEEP_BACKUPS, backups_of, read_text, save_text
from app.studio.graph import scenario_graph
from app.studio.layout import layer_rows
from app.studio.lint_text import lint_text
from app.studio.outline import line_near, scenario_outline
from app.studio.playtest_text import PlaytestTextError, insert_playtest
from app.studio.session import PlaySession, PlaytestDraft, run_playtests
from app.studio.template import new_scenario_text
from tests.conftest import ROOT, SCENARIOS

TEMPLATE = ROOT / "resources" / "scenario-template.yaml"


@pytest.fixture
def template_text() -> str:
    return new_scenario_text(TEMPLATE, "door-kicked-in")


# -- lint_text ------------------------------------------------------------------------------
def test_lint_text_finds_located_errors_and_names(template_text: str) -> None:
    clean = lint_text(template_text, "somewhere/door-kicked-in.yaml")
    assert clean.problems == () and clean.scenario is not None
    assert clean.scenario.id == "door-kicked-in"
    wrong_name = lint_text(template_text, "somewhere/other.yaml")
    assert [p.code for p in wrong_name.problems] == ["W107"]
    assert wrong_name.scenario is not None  # a warning does not stop anything
    broken = lint_text(template_text.replace("goto: disclosed", "goto: disclosd", 1), None)
    assert broken.scenario is None and broken.errors == 1
    (p,) = broken.problems
    assert p.code == "E020" and "disclosd" in p.message and "did you mean 'disclosed'" in p.message
    line = template_text.splitlines()[p.line - 1]
    assert line[p.col - 1 :].startswith("goto: disclosed")
    syntax = lint_text("states: [\n", None)
    assert syntax.scenario is None and syntax.problems[0].code == "E002"


# -- the play session -----------------------------------------------------------------------
def _session(text: str) -> PlaySession:
    s = lint_text(text, None).scenario
    assert s is not None
    return PlaySession(s, build_matcher(s))


def test_play_session_shows_intents_handlers_and_replies(template_text: str) -> None:
    play = _session(template_text)
    assert play.turns[0].caller_lines == ["open.hello"]
    turn = play.say("Police, what's happened?")
    assert turn.heard is not None and turn.heard.data["intents"] == ["ask_what_happened"]
    assert turn.heard.data["scores"]["ask_what_happened"] > 0.5
    assert turn.handlers == [("states.opening.on[0]", "say")]
    assert turn.caller_lines == ["open.what"]
    bye = play.say("Okay, I'll let you go now.")
    assert bye.caller_lines == ["g.disclose"] and ("global[0]", "say") in bye.handlers
    play.flag("vulnerable_person", True)
    assert play.flags_raised == {"vulnerable_person"}
    play.end_call()
    assert play.ended and play.result()["ended_by"] == "trainee"
    late = play.say("hello?")
    assert late.ignored
    play.restart()
    assert len(play.turns) == 1 and not play.ended


def test_reload_replays_and_reports_turns_that_now_differ(template_text: str) -> None:
    play = _session(template_text)
    play.say("What's happened?")
    play.say("What's the address?")
    same = lint_text(template_text.replace("Number 3, Station Road.", "Number 5."), None)
    assert same.scenario is not None
    assert play.reload(same.scenario, build_matcher(same.scenario)) == []  # text only: same flow
    assert len(play.turns) == 3
    edited = template_text.replace(
        "      - intent: ask_what_happened\n        say: {id: open.what,",
        "      - intent: ask_location\n        say: {id: open.what,",
    )
    s = lint_text(edited, None).scenario
    assert s is not None
    changes = play.reload(s, build_matcher(s))
    assert [c.index for c in changes] == [1, 2]
    assert changes[0].before is not None and changes[0].before.caller_lines == ["open.what"]
    # no handler takes "what's happened?" now, so Sam's answer to it does
    assert changes[0].after is not None and changes[0].after.caller_lines == ["a.what"]


def test_reload_drops_flag_steps_whose_flag_is_gone(template_text: str) -> None:
    play = _session(template_text)
    play.flag("vulnerable_person", True)
    renamed = template_text.replace("vulnerable_person", "at_risk").replace(
        "\nintents:\n",
        "\nstandard_log: {id: uk-control-room, except: [vulnerable_person]}\n"
        "flags:\n  at_risk: {label: At risk}\nintents:\n",
        1,
    )  # renamed everywhere, and no standard flag of the old name left
    s = lint_text(renamed, None).scenario
    assert s is not None
    changes = play.reload(s, build_matcher(s))
    assert [(c.index, c.reason) for c in changes] == [(1, "dropped")]
    assert play.steps == []


def test_session_plays_exactly_as_callsim_test_does() -> None:
    """The pane's clock is the playtests' clock: same steps, same events, same result."""
    s = load_scenario(SCENARIOS / "misconduct-disclosure.yaml")
    m = build_matcher(s)
    compared = 0
    for pt in s.playtests:
        if any(step.kind == "log" for step in pt.steps):
            continue  # the play pane has no incident log
        compared += 1
        play = PlaySession(s, m)
        for step in pt.steps:
            if step.kind == "say":
                play.say(step.text)
            elif step.kind in ("flag", "unflag"):
                play.flag(step.text, step.kind == "flag")
            elif step.kind == "wait":
                play.wait(step.seconds)
            elif step.kind == "end_call":
                play.end_call()
        run = run_steps(s, tuple(st for st in pt.steps if st.kind != "caller"), m)
        assert [e.canonical() for e in play.call.events] == [
            e.canonical() for e in run.call.events
        ], pt.name
        assert play.result()["score"] == run.result["score"]
    assert compared >= 3


# -- playtests written into the file --------------------------------------------------------
def _two_turn_draft(text: str, name: str = "two turns") -> PlaytestDraft:
    play = _session(text)
    play.say("Police, what's happened?")
    play.say("What's the address?")
    return play.playtest_draft(name)


def test_a_run_becomes_a_playtest_that_passes(template_text: str) -> None:
    draft = _two_turn_draft(template_text, 'say "hi": two turns')
    kinds = [(st.kind, st.text) for st in draft.steps]
    assert kinds == [
        ("caller", "open.hello"),
        ("say", "Police, what's happened?"),
        ("caller", "open.what"),
        ("say", "What's the address?"),
        ("caller", "g.where"),
    ]
    assert draft.passed is False and draft.ended_by is None
    new, line = insert_playtest(template_text, draft)
    assert new.startswith(template_text)  # appended after the last playtest: nothing else moves
    assert new.splitlines()[line - 1] == '  - name: "say \\"hi\\": two turns"'
    s = lint_text(new, "x/door-kicked-in.yaml").scenario
    assert s is not None and [pt.name for pt in s.playtests][-1] == 'say "hi": two turns'
    assert [o.passed for o in run_playtests(s, build_matcher(s))] == [True] * 4


def test_playtest_insertion_keeps_comments_and_handles_other_layouts(template_text: str) -> None:
    draft = _two_turn_draft(template_text)
    # trailing comments after the list stay after it; the new item goes before them
    text = template_text + "\n# the end of the file\n"
    new, line = insert_playtest(text, draft)
    assert new.endswith("\n# the end of the file\n") and "# A new callsim scenario" in new
    assert new.splitlines()[line - 1] == '  - name: "two turns"'
    # no playtests section yet
    head = template_text.split("\nplaytests:\n")[0] + "\n"
    new, line = insert_playtest(head, draft)
    s = lint_text(new, None).scenario
    assert s is not None and [pt.name for pt in s.playtests] == ["two turns"]
    assert new.splitlines()[line - 1] == '  - name: "two turns"'
    # `playtests: []`, a section after it, and items written at column 0
    new, _ = insert_playtest(head + "playtests: []  # none yet\n", draft)
    assert lint_text(new, None).scenario is not None
    zero = head + "playtests:\n- name: first\n  steps:\n  - {say: hi}\n\nsource: a case\n"
    new, line = insert_playtest(zero, draft)
    assert new.splitlines()[line - 1] == '- name: "two turns"'
    assert new.endswith("\n\nsource: a case\n")
    s = lint_text(new, None).scenario
    assert s is not None and [pt.name for pt in s.playtests] == ["first", "two turns"]
    with pytest.raises(PlaytestTextError):
        insert_playtest(head + "playtests: [{name: x, steps: [{say: hi}]}]\n", draft)


def test_ended_calls_expect_who_ended_them(template_text: str) -> None:
    play = _session(template_text)
    play.say("What's happened?")
    play.end_call()
    play.say("too late")  # ignored, and left out of the playtest
    draft = play.playtest_draft("hang up")
    assert draft.ended_by == "trainee" and draft.steps[-1].kind == "end_call"
    new, _ = insert_playtest(template_text, draft)
    s = lint_text(new, None).scenario
    assert s is not None
    assert run_playtest(s, s.playtests[-1], build_matcher(s)) == []


# -- files and backups ----------------------------------------------------------------------
def test_save_keeps_a_backup_of_each_replaced_version(tmp_path: Path) -> None:
    f = tmp_path / "case.yaml"
    assert save_text(f, "one\n") is None  # nothing to back up yet
    assert save_text(f, "one\n") is None  # unchanged: no backup
    b = save_text(f, "two\n")
    assert b is not None and b.parent == tmp_path / BACKUP_DIR and b.read_text() == "one\n"
    assert f.read_text() == "two\n"
    for n in range(KEEP_BACKUPS + 3):
        save_text(f, f"v{n}\n")
    kept = backups_of(f)
    assert len(kept) == KEEP_BACKUPS and kept[-1].read_text() == f"v{KEEP_BACKUPS + 1}\n"
    assert not list(tmp_path.glob("*.tmp")) and sorted(os.listdir(tmp_path)) == [
        BACKUP_DIR,
        "case.yaml",
    ]


def test_line_ends_survive_a_round_trip(tmp_path: Path) -> None:
    f = tmp_path / "crlf.yaml"
    f.write_bytes(b"a: 1\r\nb: 2\r\n")
    src = read_text(f)
    assert src.text == "a: 1\nb: 2\n" and src.newline == "\r\n"
    save_text(f, src.text + "c: 3\n", src.newline)
    assert f.read_bytes() == b"a: 1\r\nb: 2\r\nc: 3\r\n"


# -- map layout and outline -----------------------------------------------------------------
def test_layout_is_layered_from_the_start_state() -> None:
    for path in sorted(SCENARIOS.glob("*.yaml")):
        s = load_scenario(path)
        g = scenario_graph(s)
        rows = layer_rows(g)
        placed = [n for row in rows for n in row]
        assert sorted(placed) == sorted(n.id for n in g.nodes), path.name
        assert rows[0][0] == "connect" and f"s_{s.start}" in rows[1]
        assert layer_rows(g) == rows  # deterministic


def test_outline_lists_everything_with_lines(template_text: str) -> None:
    s = lint_text(template_text, None).scenario
    assert s is not None
    groups = {e.label.split(" (")[0]: e for e in scenario_outline(s)}
    assert list(groups) == ["States", "Any state", "Intents", "Lines", "Criteria", "Playtests"]
    assert [e.ref for e in groups["States"].children] == list(s.states)
    own = [iid for iid, i in s.intents.items() if i.origin is None]  # not the library's
    assert [e.ref for e in groups["Intents"].children] == own
    assert {e.ref for e in groups["Lines"].children} == {
        lid for lid, ln in s.lines.items() if ln.pos.line > 0
    }
    assert all(e.line > 0 for g in groups.values() for e in g.children)
    opening = groups["States"].children[0]
    assert [c.kind for c in opening.children] == ["line", "handler", "handler"]
    hello = s.lines["open.hello"]
    assert line_near(s, hello.pos.line) == hello
    assert line_near(s, 1) is None
