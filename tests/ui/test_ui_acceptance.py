"""Issue 3's acceptance tests: whole calls through the window with the keyboard alone.

Offscreen Qt, a silent synthesiser, a fake player and a fake clock; no sleeps. Every key goes
to whichever widget has keyboard focus, as a trainee's typing would.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from app.engine.timing import speech_seconds
from app.scenario.model import Scenario, Step
from app.ui.main_window import MainWindow
from tests.ui.conftest import FakeClock, answer_call, focused

CTRL = Qt.KeyboardModifier.ControlModifier


def type_and_enter(qtbot: Any, window: MainWindow, text: str) -> None:
    widget = focused(window)
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(focused(window), Qt.Key.Key_Return)


def play_steps(
    qtbot: Any, window: MainWindow, clock: FakeClock, scenario: Scenario, steps: tuple[Step, ...]
) -> None:
    """Play trainee steps through the keyboard: say → type + Enter; flag → Ctrl+N for the
    first nine, else Ctrl+F, part of its name, Enter; log → Ctrl+L, Tab to the field, type,
    Ctrl+T back; end_call → Ctrl+E (or F12)."""
    screen = window.call_screen
    assert screen is not None
    flag_ids = list(screen.flags.buttons)
    log_ids = list(screen.log.editors)
    for step in steps:
        if step.kind == "caller":  # the caption of that line reaches the transcript
            text = scenario.lines[step.text].shown
            qtbot.waitUntil(lambda t=text: t in screen.transcript.toPlainText(), timeout=5000)
            continue
        clock.now += 1.0
        if step.kind == "say":
            clock.now += speech_seconds(step.text)
            type_and_enter(qtbot, window, step.text)
        elif step.kind in ("flag", "unflag") and flag_ids.index(step.text) < 9:
            qtbot.keyClick(focused(window), Qt.Key(Qt.Key.Key_1 + flag_ids.index(step.text)), CTRL)
        elif step.kind in ("flag", "unflag"):
            qtbot.keyClick(focused(window), Qt.Key.Key_F, CTRL)
            assert focused(window) is screen.flags.find_box
            qtbot.keyClicks(focused(window), scenario.flags[step.text].label[:9])
            qtbot.keyClick(focused(window), Qt.Key.Key_Return)
            assert focused(window) is screen.input  # back to the caller
        elif step.kind == "log":
            for field, value in step.log:
                qtbot.keyClick(focused(window), Qt.Key.Key_L, CTRL)
                for _ in range(log_ids.index(field)):
                    qtbot.keyClick(focused(window), Qt.Key.Key_Tab)
                assert focused(window) is screen.log.editors[field]
                qtbot.keyClicks(focused(window), value)
            qtbot.keyClick(focused(window), Qt.Key.Key_T, CTRL)  # leaving the log commits it
            assert focused(window) is screen.input
        elif step.kind == "wait":
            clock.now += step.seconds
        elif step.kind == "end_call":
            qtbot.keyClick(focused(window), Qt.Key.Key_E, CTRL)


def test_model_answer_by_keyboard_alone_reaches_a_passing_debrief(
    qtbot: Any, window: MainWindow, clock: FakeClock, scenario: Scenario
) -> None:
    answer_call(qtbot, window, "Sam Taylor")
    model = scenario.playtests[0]
    with qtbot.waitSignal(window.sig_debrief_shown, timeout=10000) as shown:
        play_steps(qtbot, window, clock, scenario, model.steps)
    result = shown.args[0]
    assert result["passed"] is True, result["critical_failures"]
    assert result["ended_by"] == "trainee"
    assert result["criteria"]["allegation_flagged"]["status"] == "met"
    assert result["criteria"]["allegation_logged"]["status"] == "met"
    debrief = window.debrief
    assert window.stack.currentWidget() is debrief
    assert debrief.verdict.text() == "Passed"
    assert f"{result['score']:g}" in debrief.score.text()
    # Every line typed is in the debrief's transcript, and evidence highlights its turn.
    said = [s.text for s in model.steps if s.kind == "say"]
    assert all(line in debrief.transcript.toPlainText() for line in said)
    card = next(c for c in debrief.cards if c.criterion_id == "confirmed_officer")
    card.evidence_buttons[0].click()
    turn = result["criteria"]["confirmed_officer"]["evidence"][0]["turn"]
    assert debrief.transcript.highlighted_turn == turn
    assert "sure it was a police officer" in debrief.transcript.turn_text(turn)
    # The session was stored with its result.
    assert window.store is not None
    stored = window.store.list_sessions(trainee="Sam Taylor")
    assert len(stored) == 1 and stored[0].status == "finished" and stored[0].passed is True


def test_hanging_up_before_the_disclosure_fails_with_allegation_flagged_first(
    qtbot: Any, window: MainWindow, clock: FakeClock, scenario: Scenario
) -> None:
    answer_call(qtbot, window, "Sam Taylor")
    hang_up = next(p for p in scenario.playtests if "before the disclosure" in p.name)
    steps = tuple(s for s in hang_up.steps if s.kind != "end_call")
    play_steps(qtbot, window, clock, scenario, steps)
    with qtbot.waitSignal(window.sig_debrief_shown, timeout=10000) as shown:
        qtbot.keyClick(focused(window), Qt.Key.Key_F12)
    result = shown.args[0]
    assert result["passed"] is False
    assert result["critical_failures"][0] == "allegation_flagged"
    debrief = window.debrief
    assert debrief.verdict.text() == "Not passed"
    assert debrief.cards[0].criterion_id == "allegation_flagged"
    assert debrief.cards[0].badge.text().endswith("Missed")
    # The scenario's reflection questions are on the debrief.
    texts = " ".join(label.text() for label in debrief.body.findChildren(type(debrief.verdict)))
    assert scenario.debrief.questions[0] in texts
