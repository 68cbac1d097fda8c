"""Issue #10: in assessment mode nothing on screen names the hidden moment before it happens.

For every shipped scenario, the window is driven in assessment mode through the start screen,
the content note, the incoming call and the scenario's model answer (its first playtest), by
keyboard, up to the moment the caller reaches the hidden moment (a mark the rubric scores the
trainee's response to). At each stop every string the window holds is read: window titles,
labels, buttons, flags, log field labels, group titles, list items, menus, placeholder texts,
tooltips, accessible names and descriptions, the status bar. None may contain one of the
scenario's spoilers (`assessment: spoilers`), nor the words of what the caller says at the
hidden moment.

What the test leaves out, and why: what was said (the transcript's turns and what the trainee
typed: the trainee's own "officers will attend" is not the program giving anything away),
and the standard incident log's own texts ("Complaint / misconduct referral" is on every
call's screen, so it names nothing); a scenario's refinement of a standard label is checked.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QTabWidget,
    QTextEdit,
    QWidget,
)

from app.engine import events as ev
from app.scenario.loader import load_scenario
from app.scenario.model import Scenario
from app.scenario.spoilers import find_spoiler, hidden_lines, hidden_marks
from app.scenario.standard_log import shipped_standard_log
from app.ui.main_window import MainWindow
from app.ui.services import AppServices
from app.ui.trainee.call_screen import CallScreen
from tests.conftest import SCENARIOS
from tests.ui.conftest import FakeClock, focused
from tests.ui.test_ui_acceptance import play_steps
from tests.ui.test_ui_start import request_call

SHIPPED = sorted(p.stem for p in SCENARIOS.glob("*.yaml"))


# -- what the window shows ------------------------------------------------------------------
def _texts_of(w: QWidget) -> Iterator[tuple[str, str]]:
    kind = type(w).__name__
    for what, text in (
        ("window title", w.windowTitle() if w.isWindow() else ""),
        ("tooltip", w.toolTip()),
        ("status tip", w.statusTip()),
        ("accessible name", w.accessibleName()),
        ("accessible description", w.accessibleDescription()),
    ):
        yield f"{kind} {what}", text
    if isinstance(w, QLabel):
        yield f"{kind} text", w.text()
    if isinstance(w, QAbstractButton):
        yield f"{kind} text", w.text()
    if isinstance(w, QGroupBox):
        yield f"{kind} title", w.title()
    if isinstance(w, QLineEdit | QPlainTextEdit | QTextEdit):
        yield f"{kind} placeholder", w.placeholderText()
    if isinstance(w, QListWidget):
        for i in range(w.count()):
            item = w.item(i)
            yield "list item", item.text()
            yield "list item tooltip", item.toolTip()
    if isinstance(w, QTabWidget):
        for i in range(w.count()):
            yield "tab", w.tabText(i)
            yield "tab tooltip", w.tabToolTip(i)
    for action in w.actions():
        yield "action", action.text()
        yield "action tooltip", action.toolTip()


def _said(w: QWidget, screen: CallScreen | None) -> bool:
    """Widgets that hold what was said: the conversation and what the trainee typed."""
    if screen is None:
        return False
    editors = (screen.transcript, screen.input, *screen.log.editors.values())
    return any(w is e or e.isAncestorOf(w) for e in editors)


def shown_strings(window: MainWindow) -> list[tuple[str, str]]:
    """Every (where, text) the window holds, what was said aside."""
    screen = window.call_screen
    out: list[tuple[str, str]] = [("window title", window.windowTitle())]
    out.append(("status bar", window.statusBar().currentMessage()))
    for menu_action in window.menuBar().actions():
        out.append(("menu", menu_action.text()))
        menu = menu_action.menu()
        if menu is not None:
            out.extend(("menu item", a.text()) for a in menu.actions())
    for w in window.findChildren(QWidget):
        if _said(w, screen):
            for what, text in _texts_of(w):
                if what.endswith(("placeholder", "tooltip", "accessible name")):
                    out.append((what, text))
            continue
        out.extend(_texts_of(w))
    return [(where, text) for where, text in out if text.strip()]


# -- what must not be there -----------------------------------------------------------------
def _standard_texts() -> list[str]:
    log = shipped_standard_log()
    texts = [t for f in log.flags.values() for t in (f.label, f.description) if t]
    texts += [f.label for f in log.log_fields.values()]
    return sorted(texts, key=len, reverse=True)  # longest first: "Caller phone" before "Caller"


def _without_standard(text: str) -> str:
    for t in _standard_texts():
        text = text.replace(t, " ")
    return text


def leaks(window: MainWindow, s: Scenario) -> list[str]:
    """Each string on screen that names one of the scenario's spoilers, or quotes what the
    caller says at the hidden moment."""
    assert s.assessment is not None, f"{s.id} has no assessment texts"
    words = s.assessment.spoilers
    lines = [" ".join(ln.text.lower().split()) for ln in hidden_lines(s)]
    out = []
    for where, text in shown_strings(window):
        rest = _without_standard(text)
        word = find_spoiler(rest, words)
        if word is not None:
            out.append(f"{where}: {text!r} says {word!r}")
        flat = " ".join(rest.lower().split())
        out.extend(f"{where}: {text!r} quotes the hidden line" for ln in lines if ln in flat)
    return out


# -- driving the window ---------------------------------------------------------------------
@pytest.fixture
def shipped_window(
    scenarios_dir: Path, services: AppServices, make_window: Callable[..., MainWindow]
) -> Callable[[str], MainWindow]:
    def make(sid: str) -> MainWindow:
        for path in SCENARIOS.glob("*.yaml"):
            shutil.copy(path, scenarios_dir)
        services.settings.last_scenario = sid
        services.settings.mode = "assessment"
        window = make_window()
        entry = window.start.current_entry()
        assert entry is not None and entry.key == sid
        return window

    return make


def hidden_moment_reached(window: MainWindow, s: Scenario) -> bool:
    screen = window.call_screen
    if screen is None or screen.session is None:
        return False
    marks = set(hidden_marks(s))
    return any(e.kind == ev.MARK and e.data.get("name") in marks for e in screen.session.events)


@pytest.mark.parametrize("sid", SHIPPED)
def test_nothing_on_screen_names_the_hidden_moment_before_it_happens(
    qtbot: Any, shipped_window: Callable[[str], MainWindow], clock: FakeClock, sid: str
) -> None:
    s = load_scenario(SCENARIOS / f"{sid}.yaml")
    if hidden_marks(s):
        assert s.assessment is not None and s.assessment.spoilers, (
            f"{sid} has a hidden moment but names no spoilers: nothing can be checked"
        )
    if s.assessment is None or not s.assessment.spoilers:
        pytest.skip(f"{sid}: nothing hidden, no spoilers to check")
    window = shipped_window(sid)
    assert window.start.mode == "assessment"
    seen = []
    assert leaks(window, s) == [], "the start screen"
    request_call(qtbot, window)
    qtbot.waitUntil(
        lambda: window.stack.currentWidget() is window.note or window.call_screen is not None
    )
    if window.stack.currentWidget() is window.note:
        assert leaks(window, s) == [], "the content note"
        seen.append("note")
        qtbot.keyClick(focused(window), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.call_screen is not None)
    screen = window.call_screen
    assert screen is not None
    assert leaks(window, s) == [], "the incoming call"
    qtbot.keyClick(focused(window), Qt.Key.Key_Return)  # Answer
    qtbot.waitUntil(lambda: screen.session is not None)
    assert leaks(window, s) == [], "the call, answered"
    steps = s.playtests[0].steps
    for i, step in enumerate(steps):
        if hidden_moment_reached(window, s) or step.kind == "end_call" or screen.session.ended:
            break  # after the debrief the full texts are fine
        if step.kind == "caller":
            continue  # an assertion about her words, not something the trainee does
        play_steps(qtbot, window, clock, s, (step,))
        if not hidden_moment_reached(window, s):
            assert leaks(window, s) == [], f"after step {i + 1} ({step.kind} {step.text!r})"
            seen.append(step.kind)
    if hidden_marks(s):
        # the model answer reaches the hidden moment: the whole call before it was checked
        assert hidden_moment_reached(window, s), "the model answer never reached it"
    assert "say" in seen
    window.close()


def test_the_check_finds_a_spoiler_where_one_is(
    qtbot: Any, shipped_window: Callable[[str], MainWindow]
) -> None:
    """The test can fail: the practice-mode screen names the allegation, and it says so."""
    window = shipped_window("misconduct-disclosure")
    s = load_scenario(SCENARIOS / "misconduct-disclosure.yaml")
    window.start.practice.setChecked(True)
    found = leaks(window, s)
    assert any("list item" in f and "officer" in f for f in found), found
    window.start.assessment.setChecked(True)
    assert leaks(window, s) == []
    screen_label = window.start.detail_body
    screen_label.setText("She says he sent some sexual content.")
    assert any("says 'sexual'" in f for f in leaks(window, s))
    screen_label.setText("Caller: " + hidden_lines(s)[0].text)
    assert any("quotes the hidden line" in f for f in leaks(window, s))
    screen_label.setText(" ".join(hidden_lines(s)[0].text.split()[:3]) + " nothing")
    assert leaks(window, s) == []  # a few words of the line are not the line
