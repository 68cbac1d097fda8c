"""Issue 5, "done when", in the studio window, by keyboard where an instructor would use it:
create a scenario from the template, break a `goto`, see the located error in the problems
list, fix it, play two turns, save them as a playtest, and run it green."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.scenario.loader import lint_file, load_scenario
from app.ui.studio.window import StudioWindow
from tests.ui.studio_kit import FakePrompts, ctrl, make_studio, select_in_editor


@pytest.fixture
def studio(qtbot: Any, tmp_path: Path, player: Any) -> tuple[StudioWindow, FakePrompts]:
    return make_studio(qtbot, tmp_path, player)


def codes(w: StudioWindow) -> list[str]:
    return [p.code for p in w.problems.problems]


def test_write_break_fix_play_save_and_run_green(
    qtbot: Any, studio: tuple[StudioWindow, FakePrompts], tmp_path: Path
) -> None:
    w, prompts = studio
    # 1. Ctrl+N: a new scenario from the template, with the id typed in the prompt
    prompts.ids.append("door-kicked-in")
    with qtbot.waitSignal(w.sig_lint_applied, timeout=15000) as lint:
        qtbot.keyClick(w.editor, Qt.Key.Key_N, ctrl())
    assert lint.args[0].result.problems == ()
    assert "\nid: door-kicked-in\n" in w.editor.toPlainText()
    assert w.windowTitle().startswith("door-kicked-in.yaml*")

    # 2. break a goto by typing over it: a located error appears in the problems list
    line, col = select_in_editor(w, "disclosed", after="goto: ")
    qtbot.keyClicks(w.editor, "disclosd")
    qtbot.waitUntil(lambda: codes(w) == ["E020"], timeout=15000)
    (problem,) = w.problems.problems
    assert (problem.line, problem.col) == (line, col - len("goto: "))
    item = w.problems.topLevelItem(0)
    assert item.text(0) == "error" and item.text(1) == f"{line}:{col - 6}"
    assert item.text(2) == "E020" and "did you mean 'disclosed'" in item.text(3)
    assert w.lint_status.text() == "1 error, 0 warnings"

    # F8 goes to the next problem; activating one in the list (Enter) does too
    w.editor.go_to(1, 1)
    qtbot.keyClick(w.editor, Qt.Key.Key_F8)
    assert w.editor.position() == (line, col - 6)
    w.editor.go_to(1, 1)
    w.problems.setFocus()
    w.problems.setCurrentItem(item)
    qtbot.keyClick(w.problems, Qt.Key.Key_Return)
    assert w.editor.position() == (line, col - 6)
    assert QApplication.focusWidget() is w.editor

    # 3. fix it: the problems list empties
    select_in_editor(w, "disclosd")
    qtbot.keyClicks(w.editor, "disclosed")
    qtbot.waitUntil(lambda: w.problems.topLevelItemCount() == 0, timeout=15000)
    assert w.lint_status.text() == "No problems"

    # 4. play two turns (Ctrl+3 opens the play pane with the text box focused)
    qtbot.keyClick(w.editor, Qt.Key.Key_3, ctrl())
    assert QApplication.focusWidget() is w.play.input
    qtbot.keyClicks(w.play.input, "Police, what's happened?")
    qtbot.keyClick(w.play.input, Qt.Key.Key_Return)
    qtbot.keyClicks(w.play.input, "What's the address?")
    with qtbot.waitSignal(w.play.sig_turn_played, timeout=5000) as played:
        qtbot.keyClick(w.play.input, Qt.Key.Key_Return, ctrl())
    assert played.args[0].caller_lines == ["g.where"]
    shown = w.play.transcript.toPlainText()
    for expected in ("open.hello", "You: Police, what's happened?", "ask_what_happened",
                     "states.opening.on[0]", "open.what", "ask_location", "global[1]",
                     "Number 3, Station Road"):  # fmt: skip
        assert expected in shown
    assert 'line: "What\'s the address?"' in shown  # the matcher's explanation of each line
    assert "clause 1: 'what is the address'" in shown
    assert w.play.session is not None and len(w.play.session.turns) == 3

    # 5. save them as a playtest (named in the prompt): it is written into the file's text
    prompts.names.append("two turns from the studio")
    with qtbot.waitSignal(w.sig_lint_applied, timeout=15000) as lint:
        qtbot.mouseClick(w.play.save_button, Qt.MouseButton.LeftButton)
    s = lint.args[0].result.scenario
    assert s is not None and [pt.name for pt in s.playtests][-1] == "two turns from the studio"
    assert '  - name: "two turns from the studio"' in w.editor.toPlainText()
    assert "# A new callsim scenario" in w.editor.toPlainText()  # comments kept

    # 6. F5 runs all the playtests: green, the new one included
    with qtbot.waitSignal(w.tests.sig_tests_finished, timeout=15000) as ran:
        qtbot.keyClick(w.editor, Qt.Key.Key_F5)
    outcomes = ran.args[0]
    assert [o.name for o in outcomes][-1] == "two turns from the studio"
    assert all(o.passed for o in outcomes), [o.failures for o in outcomes]
    assert w.tabs.currentWidget() is w.tests
    assert w.tests.results.topLevelItem(len(outcomes) - 1).text(0) == "PASS"

    # 7. Ctrl+S saves where the instructor says; `callsim lint` and `test` agree
    target = tmp_path / "door-kicked-in.yaml"
    prompts.save_paths.append(target)
    qtbot.keyClick(w.editor, Qt.Key.Key_S, ctrl())
    assert f"suggested {tmp_path / 'door-kicked-in.yaml'}" in prompts.asked
    assert target.read_text(encoding="utf-8") == w.editor.toPlainText()
    assert lint_file(target) == []
    assert len(load_scenario(target).playtests) == 4  # the template's 3 and the recorded run
    assert not w.editor.document().isModified() and prompts.errors == []
