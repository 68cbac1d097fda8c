"""The call screen: captions and voice, practice vs assessment, silence, flags, the log, ending
the call, recording trouble and accessibility."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QWidget

from app.engine.events import Event
from app.scenario.model import Scenario
from app.storage import SessionStore
from app.ui.main_window import MainWindow
from app.ui.services import AppServices
from tests.ui.conftest import FakeClock, FakePlayer, answer_call, focused

CTRL = Qt.KeyboardModifier.ControlModifier


def say(qtbot: Any, window: MainWindow, text: str) -> None:
    qtbot.keyClicks(focused(window), text)
    qtbot.keyClick(focused(window), Qt.Key.Key_Return)


def caption_shown(window: MainWindow, scenario: Scenario, line_id: str) -> bool:
    screen = window.call_screen
    return screen is not None and scenario.lines[line_id].shown in screen.transcript.toPlainText()


def test_practice_mode_shows_the_intents_heard(
    qtbot: Any, window: MainWindow, scenario: Scenario
) -> None:
    window.start.practice.setChecked(True)
    screen = answer_call(qtbot, window)
    say(qtbot, window, "Is anybody hurt?")
    text = screen.transcript.toPlainText()
    assert "heard: " + scenario.intents["ask_injuries"].description.lower()[:20] in text.lower()


def test_assessment_mode_shows_nothing_until_the_debrief(
    qtbot: Any, window: MainWindow, scenario: Scenario
) -> None:
    window.start.assessment.setChecked(True)
    screen = answer_call(qtbot, window)
    assert screen.session is not None and screen.session.mode == "assessment"
    say(qtbot, window, "Is anybody hurt?")
    say(qtbot, window, "blah blah")
    qtbot.waitUntil(lambda: caption_shown(window, scenario, "ans.injuries"))
    assert "Is anybody hurt?" in screen.transcript.toPlainText()
    assert "Heard" not in screen.transcript.toPlainText()


def test_caller_lines_play_in_order_each_captioned_as_it_starts(
    qtbot: Any, make_window: Callable[..., MainWindow], player: FakePlayer, scenario: Scenario
) -> None:
    player.auto_finish = False
    window = make_window()
    screen = answer_call(qtbot, window)
    qtbot.waitUntil(lambda: caption_shown(window, scenario, "open.1"))
    assert player.plays[0].startswith("open.1-")
    assert screen.bar.speaking.text()  # the speaking indicator is on
    say(qtbot, window, "Is anybody hurt?")
    say(qtbot, window, "What's the address?")
    # Her two answers are queued behind the opening line: not heard, not captioned yet.
    assert not caption_shown(window, scenario, "ans.injuries")
    player.finish()
    qtbot.waitUntil(lambda: caption_shown(window, scenario, "ans.injuries"))
    assert not caption_shown(window, scenario, "ans.location")
    player.finish()
    qtbot.waitUntil(lambda: caption_shown(window, scenario, "ans.location"))
    assert [p.split("-")[0] for p in player.plays] == ["open.1", "ans.injuries", "ans.location"]
    player.finish()
    qtbot.waitUntil(lambda: screen.bar.speaking.text() == "")


def test_end_call_hangs_up_at_once_and_stops_the_voice(
    qtbot: Any, make_window: Callable[..., MainWindow], player: FakePlayer
) -> None:
    player.auto_finish = False
    window = make_window()
    screen = answer_call(qtbot, window)
    qtbot.waitUntil(lambda: len(player.plays) == 1)  # she is still speaking her first line
    say(qtbot, window, "What's happened?")  # her answer is queued behind it
    with qtbot.waitSignal(window.sig_debrief_shown, timeout=10000) as shown:
        qtbot.keyClick(focused(window), Qt.Key.Key_E, CTRL)
    assert player.calls[-1] == ("stop", None)
    assert len(player.plays) == 1  # the queued answer never played
    assert shown.args[0]["ended_by"] == "trainee"
    assert not screen.timer.isActive()


def test_silence_fires_in_real_time_from_the_timer(
    qtbot: Any, window: MainWindow, clock: FakeClock, scenario: Scenario
) -> None:
    screen = answer_call(qtbot, window)
    qtbot.waitUntil(lambda: caption_shown(window, scenario, "open.1"))
    assert screen.session is not None
    wait = screen.session.seconds_to_next_silence()
    assert wait is not None
    clock.now = wait - 1.0
    qtbot.waitUntil(lambda: screen.bar.clock.text() == "00:" + f"{int(wait - 1.0):02d}")
    assert not caption_shown(window, scenario, "g.sil1")
    clock.now = wait + 0.1
    qtbot.waitUntil(lambda: caption_shown(window, scenario, "g.sil1"), timeout=3000)


def test_flags_toggle_by_shortcut_and_click_and_show_when_raised(
    qtbot: Any, window: MainWindow, clock: FakeClock, scenario: Scenario
) -> None:
    screen = answer_call(qtbot, window)
    first, second = list(scenario.flags)[:2]
    clock.now = 65.0
    qtbot.keyClick(focused(window), Qt.Key.Key_1, CTRL)
    assert screen.flags.buttons[first].isChecked()
    assert screen.flags._times[first].text() == "⚑ 01:05"
    assert "raised at 01:05" in screen.flags.buttons[first].accessibleDescription()
    assert focused(window) is screen.input  # a flag never takes the focus from typing
    qtbot.mouseClick(screen.flags.buttons[second], Qt.MouseButton.LeftButton)
    assert screen.flags.buttons[second].isChecked()
    qtbot.keyClick(focused(window), Qt.Key.Key_1, CTRL)
    assert not screen.flags.buttons[first].isChecked()
    assert screen.flags._times[first].text() == ""
    assert screen.session is not None
    kinds = [(e.kind, e.data.get("flag")) for e in screen.session.events if "flag" in e.data]
    assert kinds == [("flag_raised", first), ("flag_raised", second), ("flag_lowered", first)]


def test_log_text_is_committed_on_leaving_a_field_and_on_end_call(
    qtbot: Any, window: MainWindow, scenario: Scenario
) -> None:
    screen = answer_call(qtbot, window)
    fields = list(scenario.log_fields)
    qtbot.keyClick(focused(window), Qt.Key.Key_L, CTRL)
    qtbot.keyClicks(focused(window), "14 Mill Lane")
    qtbot.keyClick(focused(window), Qt.Key.Key_Tab)  # leaving the field commits it
    assert screen.session is not None
    logged = [e.data for e in screen.session.events if e.kind == "log_changed"]
    assert logged == [{"field": fields[0], "value": "14 Mill Lane"}]
    multiline = next(f for f, spec in scenario.log_fields.items() if spec.multiline)
    screen.log.editors[multiline].setFocus()
    qtbot.keyClicks(focused(window), "typed but never left")
    with qtbot.waitSignal(window.sig_debrief_shown, timeout=10000) as shown:
        qtbot.keyClick(focused(window), Qt.Key.Key_F12)
    assert shown.args[0]["log"][multiline] == "typed but never left"


def test_when_the_caller_hangs_up_the_trainee_moves_on_by_keyboard(
    qtbot: Any, window: MainWindow, clock: FakeClock, scenario: Scenario
) -> None:
    screen = answer_call(qtbot, window)
    say(qtbot, window, "Bye then.")
    say(qtbot, window, "Goodbye.")  # the second closing attempt: she discloses
    qtbot.waitUntil(lambda: caption_shown(window, scenario, "g.disclose"))
    clock.now = 200.0  # nobody says anything: she gives up and hangs up
    qtbot.waitUntil(lambda: caption_shown(window, scenario, "disc.sil_hangup"), timeout=3000)
    assert screen.ended_banner.isVisible()
    assert "ended the call" in screen.ended_banner.text()
    assert focused(window) is screen.debrief_button
    with qtbot.waitSignal(window.sig_debrief_shown, timeout=10000) as shown:
        qtbot.keyClick(focused(window), Qt.Key.Key_Space)
    assert shown.args[0]["ended_by"] == "caller"


def test_recording_trouble_is_shown_and_the_call_goes_on(
    qtbot: Any, make_window: Callable[..., MainWindow], services: AppServices, tmp_path: Path
) -> None:
    class FailingStore(SessionStore):
        def append_events(self, session_id: str, events: Iterable[Event]) -> None:
            raise sqlite3.OperationalError("database or disk is full")

    failing = dataclasses.replace(services, open_store=lambda: FailingStore(tmp_path / "f.db"))
    window = make_window(failing)
    screen = answer_call(qtbot, window)
    qtbot.waitUntil(lambda: "could not be saved" in window.statusBar().currentMessage())
    message = window.statusBar().currentMessage()  # plain words, naming the file
    assert "disk is full" in message and str(tmp_path / "f.db") in message
    say(qtbot, window, "What's happened?")
    assert "What's happened?" in screen.transcript.toPlainText()


def _buttons_without_names(root: QWidget) -> list[str]:
    return [
        f"{type(b).__name__} {b.text()!r}"
        for b in root.findChildren(QAbstractButton)
        if not b.accessibleName().strip()
    ]


def test_every_button_has_an_accessible_name(
    qtbot: Any, window: MainWindow, clock: FakeClock
) -> None:
    assert _buttons_without_names(window) == []
    screen = answer_call(qtbot, window)
    assert _buttons_without_names(screen) == []
    say(qtbot, window, "What's happened?")
    with qtbot.waitSignal(window.sig_debrief_shown, timeout=10000):
        qtbot.keyClick(focused(window), Qt.Key.Key_E, CTRL)
    assert window.debrief.cards and _buttons_without_names(window.debrief) == []
    # Labels name their fields (buddies), so screen readers and Alt+letter reach them.
    assert window.start.name.accessibleName() and screen.input.accessibleName()


def test_try_again_starts_a_fresh_call_of_the_same_scenario(
    qtbot: Any, window: MainWindow, clock: FakeClock, scenario: Scenario
) -> None:
    answer_call(qtbot, window)
    with qtbot.waitSignal(window.sig_debrief_shown, timeout=10000):
        qtbot.keyClick(focused(window), Qt.Key.Key_E, CTRL)
    assert focused(window) is window.debrief.again
    qtbot.keyClick(focused(window), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.call_screen is not None)
    screen = window.call_screen
    assert screen is not None and screen.session is None  # ringing again, no content note
    assert screen.setup.scenario.id == scenario.id
    qtbot.keyClick(focused(window), Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: screen.session is not None)
    window.debrief.back.click()
    assert window.stack.currentWidget() is window.start


def test_typing_in_the_text_box_or_log_holds_off_silence(
    qtbot: Any, window: MainWindow, clock: FakeClock, scenario: Scenario
) -> None:
    screen = answer_call(qtbot, window)
    qtbot.waitUntil(lambda: caption_shown(window, scenario, "open.1"))
    assert screen.session is not None
    wait = screen.session.seconds_to_next_silence()
    assert wait is not None
    clock.now = wait - 1.0
    qtbot.keyClicks(screen.input, "is anyone")  # composing a line, not silent
    clock.now = wait + 5.0  # past the silence that would have fallen due
    qtbot.waitUntil(lambda: screen.bar.clock.text() == "00:" + f"{int(wait + 5.0):02d}")
    assert not caption_shown(window, scenario, "g.sil1")
    log_editor = next(iter(screen.log.editors.values()))
    clock.now = wait + 15.0
    qtbot.keyClicks(log_editor, "14 Mill")  # writing the log is busy too
    clock.now = wait + 30.0
    qtbot.waitUntil(lambda: screen.bar.clock.text() == "00:" + f"{int(wait + 30.0):02d}")
    assert not caption_shown(window, scenario, "g.sil1")
    clock.now = wait + 15.0 + 20.5  # 20 s after the last key: now it is silence
    qtbot.waitUntil(lambda: caption_shown(window, scenario, "g.sil1"), timeout=3000)


def test_caller_lines_are_announced_to_screen_readers(
    qtbot: Any, window: MainWindow, scenario: Scenario
) -> None:
    screen = answer_call(qtbot, window)
    qtbot.waitUntil(lambda: caption_shown(window, scenario, "open.1"))
    first_line = scenario.lines["open.1"].text
    assert screen.transcript.last_announcement == f"{scenario.caller.name}: {first_line}"


def test_the_call_screen_has_the_standard_flags_and_no_practice_only_field_in_assessment(
    qtbot: Any, window: MainWindow, scenario: Scenario
) -> None:
    window.start.assessment.setChecked(True)
    screen = answer_call(qtbot, window)
    assert list(screen.flags.buttons) == list(scenario.flags)  # the standard qualifiers
    labels = [b.text() for b in screen.flags.buttons.values()]
    assert "Complaint / misconduct referral" in labels and len(labels) >= 12
    assert "allegation_notes" not in screen.log.editors
    assert list(screen.log.editors) == list(scenario.log_fields_shown("assessment"))


def test_practice_mode_has_the_practice_only_field(
    qtbot: Any, window: MainWindow, scenario: Scenario
) -> None:
    window.start.practice.setChecked(True)
    screen = answer_call(qtbot, window)
    assert list(screen.log.editors) == list(scenario.log_fields)
    assert "allegation_notes" in screen.log.editors


def test_a_flag_past_ctrl_9_is_found_by_typing_and_raised_with_enter(
    qtbot: Any, window: MainWindow, clock: FakeClock
) -> None:
    screen = answer_call(qtbot, window)
    ids = list(screen.flags.buttons)
    assert ids.index("misconduct_allegation") >= 9  # no Ctrl+N reaches it
    clock.now = 30.0
    qtbot.keyClick(focused(window), Qt.Key.Key_F, CTRL)
    assert focused(window) is screen.flags.find_box
    qtbot.keyClicks(focused(window), "miscon")
    assert screen.flags.found() == ["misconduct_allegation"]  # the others are hidden
    qtbot.keyClick(focused(window), Qt.Key.Key_Return)
    assert screen.flags.is_raised("misconduct_allegation")
    assert screen.flags._times["misconduct_allegation"].text() == "⚑ 00:30"
    assert focused(window) is screen.input  # straight back to the caller
    assert screen.flags.found() == ids and screen.flags.find_box.text() == ""
    # Escape gives up: nothing changes, every flag shows again
    qtbot.keyClick(focused(window), Qt.Key.Key_F, CTRL)
    qtbot.keyClicks(focused(window), "weap")
    assert screen.flags.found() == ["weapons"]
    qtbot.keyClick(focused(window), Qt.Key.Key_Escape)
    assert focused(window) is screen.input
    assert not screen.flags.is_raised("weapons") and screen.flags.found() == ids


def test_the_call_details_strip_shows_the_scenarios_call_info(
    qtbot: Any, window: MainWindow, scenario: Scenario
) -> None:
    info = scenario.call_info
    assert info is not None and info.previous_incidents
    screen = answer_call(qtbot, window)
    panel = screen.call_info
    assert panel is not None and panel.isVisible()
    assert panel.values["number"].text() == f"{info.number} (mobile)"
    assert panel.values["location"].text() == info.location
    assert panel.values["time"].text() == info.time
    assert panel.values["previous_incidents"].text() == "; ".join(info.previous_incidents)
    assert panel.values["time"].accessibleName() == f"Time of call: {info.time}"
    # compact: a strip of two or three lines, not a column
    assert panel.height() < 4 * panel.fontMetrics().lineSpacing() + 30
    assert panel.width() > screen.width() * 0.9


def test_a_scenario_without_call_info_has_no_strip(
    qtbot: Any, make_window: Callable[..., MainWindow], scenarios_dir: Path
) -> None:
    path = scenarios_dir / "misconduct-disclosure.yaml"
    text = path.read_text()
    start, end = text.index("call_info:\n"), text.index("\ncaller:\n")
    path.write_text(text[:start] + text[end:])
    window = make_window()
    screen = answer_call(qtbot, window)
    assert screen.call_info is None
    assert not screen.findChildren(QWidget, "callInfo")


def test_finding_a_flag_matches_the_start_of_its_words(qtbot: Any, window: MainWindow) -> None:
    screen = answer_call(qtbot, window)
    qtbot.keyClick(focused(window), Qt.Key.Key_F, CTRL)
    qtbot.keyClicks(focused(window), "con")
    assert screen.flags.found() == ["concern_for_welfare", "safeguarding"]  # not misCONduct
    qtbot.keyClicks(focused(window), " wel")
    assert screen.flags.found() == ["concern_for_welfare"]
    qtbot.keyClick(focused(window), Qt.Key.Key_Escape)


def test_a_right_to_left_override_is_shown_written_out_never_applied(qtbot: Any) -> None:
    from app.ui.widgets.transcript import TranscriptView

    view = TranscriptView()
    qtbot.addWidget(view)
    view.add_turn("You", "trainee", 3.0, "\u202eenal lliM 41")
    assert view.turn_text(0).endswith("<U+202E>enal lliM 41")
    assert "\u202e" not in view.toPlainText()


def test_log_text_being_typed_is_saved_every_couple_of_seconds(
    qtbot: Any, window: MainWindow, scenario: Scenario, clock: FakeClock
) -> None:
    screen = answer_call(qtbot, window)
    multiline = next(f for f, spec in scenario.log_fields.items() if spec.multiline)
    screen.log.editors[multiline].setFocus()
    qtbot.keyClicks(focused(window), "Fight at her mum's")
    assert screen.session is not None
    logged = [e.data for e in screen.session.events if e.kind == "log_changed"]
    assert logged == []  # one burst of keys: nothing committed yet
    clock.now += 3.0  # the trainee is still typing, never leaving the field
    qtbot.keyClicks(focused(window), ", 14 Mill Lane")
    logged = [e.data for e in screen.session.events if e.kind == "log_changed"]
    assert logged and logged[-1]["field"] == multiline
    assert logged[-1]["value"].startswith("Fight at her mum's,")  # saved if the app dies now
