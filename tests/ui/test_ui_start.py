"""The start screen, the content note, settings and start-up notices."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt

from app.display import no_display
from app.services.catalog import ScenarioCatalog
from app.storage import SessionStore
from app.ui import main as ui_main
from app.ui.main_window import MainWindow
from app.ui.services import AppServices
from app.ui.settings import UiSettings
from tests.ui.conftest import BUILT_IN, focused

CTRL = Qt.KeyboardModifier.ControlModifier


def request_call(qtbot: Any, window: MainWindow, name: str = "Ana Khan") -> None:
    window.start.name.setFocus()
    window.start.name.clear()
    qtbot.keyClicks(focused(window), name)
    qtbot.keyClick(focused(window), Qt.Key.Key_Return)


def test_no_trainee_name_is_kept_for_the_next_person(
    qtbot: Any, make_window: Callable[..., MainWindow], settings: UiSettings
) -> None:
    first = make_window()
    assert first.start.name.text() == ""
    request_call(qtbot, first, "Ana Khan")
    qtbot.waitUntil(lambda: first.stack.currentWidget() is first.note)
    first.show_start()  # back to the list (e.g. after the debrief)
    assert first.start.name.text() == ""
    first.close()
    second = make_window()
    assert second.start.name.text() == ""
    settings.sync()
    assert "Ana Khan" not in " ".join(
        str(settings._store.value(k)) for k in settings._store.allKeys()
    )


def test_a_name_an_older_version_stored_is_deleted(tmp_path: Path) -> None:
    path = tmp_path / "old.ini"
    old = QSettings(str(path), QSettings.Format.IniFormat)
    old.setValue("trainee/name", "Previous Trainee")
    old.sync()
    UiSettings.at(path)
    assert "Previous Trainee" not in path.read_text(encoding="utf-8")


def test_starting_needs_a_name(qtbot: Any, window: MainWindow) -> None:
    request_call(qtbot, window, "")
    assert window.stack.currentWidget() is window.start
    assert window.start.name_error.text()
    assert focused(window) is window.start.name


def test_voice_notices_are_shown_in_the_status_bar(window: MainWindow) -> None:
    assert "Speech is switched off" in window.voice_label.text()
    assert window.voice_label.isVisible()


def test_the_list_shows_title_length_and_summary(window: MainWindow) -> None:
    entry = window.start.current_entry()
    assert entry is not None and entry.scenario is not None and entry.key == BUILT_IN
    item = window.start.list.currentItem()
    assert entry.scenario.title in item.text() and "6 min" in item.text()
    assert window.start.detail_body.text() == entry.scenario.summary
    assert window.start.start.isEnabled()


def test_the_content_note_comes_first_with_continue_and_back(
    qtbot: Any, window: MainWindow
) -> None:
    entry = window.start.current_entry()
    assert entry is not None and entry.scenario is not None and entry.scenario.content_note
    request_call(qtbot, window)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.note)
    assert window.note.text.text() == entry.scenario.content_note
    assert focused(window) is window.note.proceed
    qtbot.keyClick(focused(window), Qt.Key.Key_Escape)  # Back
    assert window.stack.currentWidget() is window.start
    assert window.call_screen is None
    request_call(qtbot, window)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.note)
    qtbot.keyClick(focused(window), Qt.Key.Key_Return)  # Continue
    qtbot.waitUntil(lambda: window.call_screen is not None)
    assert window.stack.currentWidget() is window.call_screen


def test_assessment_mode_names_the_scenario_by_its_neutral_texts_until_the_call(
    qtbot: Any, window: MainWindow
) -> None:
    entry = window.start.current_entry()
    assert entry is not None and entry.scenario is not None
    s = entry.scenario
    full, neutral = s.shown("practice"), s.shown("assessment")
    assert neutral.title != full.title and neutral.summary != full.summary
    item = window.start.list.currentItem()
    window.start.practice.setChecked(True)
    assert full.title in item.text() and item.toolTip() == full.summary
    window.start.assessment.setChecked(True)  # the list and the details change at once
    assert neutral.title in item.text() and full.title not in item.text()
    assert item.toolTip() == neutral.summary
    assert window.start.detail_title.text() == neutral.title
    assert window.start.detail_body.text() == neutral.summary
    request_call(qtbot, window)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.note)
    assert window.note.title.text() == neutral.title
    assert window.note.text.text() == neutral.content_note
    qtbot.keyClick(focused(window), Qt.Key.Key_Return)  # Continue
    qtbot.waitUntil(lambda: window.call_screen is not None)
    screen = window.call_screen
    assert screen is not None
    assert screen.bar.scenario.text() == neutral.title
    labels = [w.text() for w in screen.incoming.findChildren(type(window.start.notice))]
    assert neutral.title in labels and full.title not in labels


def test_practice_mode_shows_the_full_texts(qtbot: Any, window: MainWindow) -> None:
    entry = window.start.current_entry()
    assert entry is not None and entry.scenario is not None
    window.start.practice.setChecked(True)
    request_call(qtbot, window)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.note)
    assert window.note.text.text() == entry.scenario.content_note
    qtbot.keyClick(focused(window), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.call_screen is not None)
    assert window.call_screen is not None
    assert window.call_screen.bar.scenario.text() == entry.scenario.title


def test_an_invalid_scenario_is_listed_as_unavailable_and_never_crashes(
    qtbot: Any, make_window: Callable[..., MainWindow], scenarios_dir: Path
) -> None:
    (scenarios_dir / "broken.yaml").write_text("format: callsim/scenario@1\nid: [oops\n")
    (scenarios_dir / "binary.yaml").write_bytes(b"\xff\xfe\x00garbage")
    window = make_window()
    texts = [window.start.list.item(i).text() for i in range(window.start.list.count())]
    assert len(texts) == 3
    assert texts[0].startswith("Domestic fight")  # usable scenarios first
    assert sum("(unavailable)" in t for t in texts) == 2
    broken = next(i for i in range(window.start.list.count()) if "broken.yaml" in texts[i])
    window.start.list.setCurrentRow(broken)
    assert not window.start.start.isEnabled()
    assert "broken.yaml:" in window.start.detail_body.text()  # its first error, located
    request_call(qtbot, window)
    assert window.stack.currentWidget() is window.start


def test_font_size_follows_the_setting_and_is_remembered(
    qtbot: Any, make_window: Callable[..., MainWindow], services: AppServices
) -> None:
    services.settings.font_pt = 12
    window = make_window()
    assert window.font().pointSize() == 12
    assert window.start.name.font().pointSize() == 12
    title = window.start.findChild(type(window.start.notice), "screenTitle")
    assert title is not None and title.font().pointSizeF() > 12 * 1.5
    for _ in range(3):
        qtbot.keyClick(focused(window), Qt.Key.Key_Equal, CTRL)
    assert window.start.name.font().pointSize() == 15
    assert services.settings.text_percent == 140  # three 10% steps from 110%
    qtbot.keyClick(focused(window), Qt.Key.Key_Minus, CTRL)
    assert services.settings.font_pt == 14
    assert "Text size 130%" in window.statusBar().currentMessage()
    window.close()
    again = make_window()
    assert again.start.name.font().pointSize() == 14


def test_interrupted_sessions_are_shown_as_a_notice(
    tmp_path: Path, make_window: Callable[..., MainWindow]
) -> None:
    store = SessionStore(tmp_path / "sessions.db")
    sid = store.start_session(
        trainee="Jo Bloggs",
        scenario_id=BUILT_IN,
        scenario_sha256="x",
        scenario_title="Domestic fight",
        mode="practice",
    )
    store.close()
    with sqlite3.connect(tmp_path / "sessions.db") as db:  # its writer "died"
        db.execute("UPDATE sessions SET owner_token = 'gone' WHERE id = ?", [sid])
    window = make_window()
    assert window.start.notice.isVisible()
    assert "Jo Bloggs" in window.start.notice.text()
    assert "stopped before" in window.start.notice.text()
    # named as assessment mode names it: the start screen comes before any debrief
    entry = window.start.current_entry()
    assert entry is not None and entry.scenario is not None
    assert entry.scenario.shown("assessment").title in window.start.notice.text()
    assert "Domestic fight (" not in window.start.notice.text()  # the title it was stored with


def test_an_unusable_store_is_a_notice_and_calls_still_work(
    qtbot: Any, make_window: Callable[..., MainWindow], services: AppServices
) -> None:
    def broken() -> SessionStore:
        raise OSError("disk full")

    window = make_window(dataclasses.replace(services, open_store=broken))
    assert "cannot be saved" in window.start.notice.text()
    request_call(qtbot, window)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.note)
    qtbot.keyClick(focused(window), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.call_screen is not None)


def test_no_display_gives_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(ui_main.sys, "platform", "linux")
    assert ui_main.run_app(ScenarioCatalog.from_environment(), []) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no display found" in err and "callsim demo" in err
    assert no_display(environ={"DISPLAY": ":0"}, platform="linux") is None
    assert no_display(environ={}, platform="win32") is None


def test_about_says_version_licences_and_where_things_are_kept(window: MainWindow) -> None:
    import app

    text = window.about_text()
    assert f"callsim {app.__version__}" in text
    assert "MIT" in text and "LGPL-3.0" in text and "THIRD-PARTY-NOTICES.md" in text
    assert "Data folder: " in text and "Log folder: " in text and "Voice: " in text
    menus = [a.text() for m in window.menuBar().actions() for a in m.menu().actions()]
    assert "&About callsim" in menus


def test_a_second_start_shows_the_list_before_loading_and_start_waits(
    qtbot: Any, make_window: Callable[..., MainWindow], services: AppServices
) -> None:
    first = make_window()  # loads every scenario, and so fills the index
    first.close()
    second = MainWindow(services)
    qtbot.addWidget(second)
    order: list[tuple[str, bool, int]] = []

    def note(what: str) -> None:
        order.append((what, second.start.start.isEnabled(), second.start.list.count()))

    second.sig_list_shown.connect(lambda: note("listed"))
    second.sig_startup_finished.connect(lambda: note("ready"))
    with qtbot.waitSignal(second.sig_startup_finished):
        second.show()
    rows = first.start.list.count()
    assert order == [("listed", False, rows), ("ready", True, rows)]
