"""The studio window's parts: the file watch, backups, unsaved-changes prompts, the outline,
the map, replay after an edit, hearing and rendering lines, and keyboard access."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton

from app.scenario.loader import load_scenario
from app.studio.files import BACKUP_DIR, backups_of
from app.ui.studio.window import StudioWindow
from tests.conftest import SCENARIOS
from tests.ui.studio_kit import (
    FakePrompts,
    ctrl,
    make_studio,
    open_and_lint,
    select_in_editor,
    type_text,
)

BUILT_IN = "misconduct-disclosure"


@pytest.fixture
def studio(qtbot: Any, tmp_path: Path, player: Any) -> tuple[StudioWindow, FakePrompts]:
    return make_studio(qtbot, tmp_path, player)


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    f = tmp_path / f"{BUILT_IN}.yaml"
    shutil.copy(SCENARIOS / f.name, f)
    return f


def test_a_change_on_disk_is_noticed_and_can_be_reloaded(
    qtbot: Any, studio: tuple[StudioWindow, FakePrompts], scenario_file: Path
) -> None:
    w, _ = studio
    open_and_lint(qtbot, w, scenario_file)
    seen: list[str] = []
    w.doc.sig_file_changed_on_disk.connect(seen.append)
    select_in_editor(w, "Jade Connolly", after="name: ")
    qtbot.keyClicks(w.editor, "Ms B")
    qtbot.keyClick(w.editor, Qt.Key.Key_S, ctrl())  # our own save is not a change "elsewhere"
    assert not w.files.banner.isVisible()
    changed = scenario_file.read_text(encoding="utf-8").replace("name: Ms B", "name: Ms C")
    with qtbot.waitSignal(w.doc.sig_file_changed_on_disk, timeout=10000):
        scenario_file.write_text(changed, encoding="utf-8")
    assert seen == [str(scenario_file.resolve())]  # once, for the other program's write
    assert w.files.banner.isVisible() and "changed on disk" in w.files.banner_text.text()
    with qtbot.waitSignal(w.sig_lint_applied, timeout=15000):
        qtbot.mouseClick(w.files.reload_button, Qt.MouseButton.LeftButton)
    assert w.editor.toPlainText() == changed and not w.files.banner.isVisible()
    assert not w.editor.document().isModified()


def test_keeping_my_version_after_a_change_on_disk(
    qtbot: Any, studio: tuple[StudioWindow, FakePrompts], scenario_file: Path
) -> None:
    w, _ = studio
    open_and_lint(qtbot, w, scenario_file)
    mine = w.editor.toPlainText()
    with qtbot.waitSignal(w.doc.sig_file_changed_on_disk, timeout=10000):
        scenario_file.write_text("# someone else's\n" + mine, encoding="utf-8")
    qtbot.mouseClick(w.files.keep_button, Qt.MouseButton.LeftButton)
    assert w.editor.toPlainText() == mine and w.editor.document().isModified()
    assert not w.files.banner.isVisible()


def test_save_keeps_a_backup_of_the_previous_version(
    qtbot: Any, studio: tuple[StudioWindow, FakePrompts], scenario_file: Path
) -> None:
    w, _ = studio
    before = scenario_file.read_bytes()
    open_and_lint(qtbot, w, scenario_file)
    w.editor.go_to(1, 1)
    type_text(qtbot, w.editor, "# edited in the studio\n")
    with qtbot.waitSignal(w.doc.sig_document_saved, timeout=5000) as saved:
        qtbot.keyClick(w.editor, Qt.Key.Key_S, ctrl())
    backup = saved.args[1]
    assert backup is not None and backup.parent == scenario_file.parent / BACKUP_DIR
    assert backup.read_bytes() == before
    assert scenario_file.read_text(encoding="utf-8").startswith("# edited in the studio\n")
    assert backups_of(scenario_file) == [backup]
    assert str(backup) in w.statusBar().currentMessage()


def test_unsaved_changes_are_asked_about_before_they_are_lost(
    qtbot: Any, studio: tuple[StudioWindow, FakePrompts], scenario_file: Path
) -> None:
    w, prompts = studio
    open_and_lint(qtbot, w, scenario_file)
    type_text(qtbot, w.editor, "# mine\n")
    prompts.unsaved.append("cancel")
    prompts.open_paths.append(SCENARIOS / "rushed-caller.yaml")
    qtbot.keyClick(w.editor, Qt.Key.Key_O, ctrl())
    assert prompts.asked == ["unsaved"]  # cancelled before choosing a file
    assert w.editor.toPlainText().startswith("# mine\n")
    prompts.unsaved.append("cancel")
    assert not w.close() and w.isVisible()  # closing asks too
    prompts.unsaved.append("save")
    prompts.ids.append("bus-stop")
    with qtbot.waitSignal(w.sig_lint_applied, timeout=15000):
        assert w.files.new_scenario()
    assert scenario_file.read_text(encoding="utf-8").startswith("# mine\n")  # saved first
    assert "\nid: bus-stop\n" in w.editor.toPlainText()
    prompts.ids.append("Not An Id")
    prompts.unsaved.append("discard")
    assert not w.files.new_scenario()
    assert prompts.errors and "not a valid scenario id" in prompts.errors[0]


def test_outline_and_map_show_every_state_and_intent(
    qtbot: Any, studio: tuple[StudioWindow, FakePrompts], scenario_file: Path
) -> None:
    w, _ = studio
    open_and_lint(qtbot, w, scenario_file)
    s = load_scenario(scenario_file)
    assert w.outline.refs("state") == list(s.states)
    own = [iid for iid, i in s.intents.items() if i.origin is None]  # not the library's
    assert w.outline.refs("intent") == own
    assert set(w.outline.refs("criterion")) == {c.id for c in s.rubric.criteria}
    assert {f"s_{sid}" for sid in s.states} | {"connect", "any"} <= set(w.map.node_items)
    # clicking a state in the outline shows where it is defined, the tree keeps the focus
    item = w.outline.find_entry("state", s.start)
    assert item is not None
    w.outline.scrollToItem(item)
    rect = w.outline.visualItemRect(item)
    qtbot.mouseClick(w.outline.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert w.editor.position()[0] == s.states[s.start].pos.line
    # an edit that adds a state redraws the map
    start = s.states[s.start].pos
    w.editor.go_to(start.line, start.col)
    type_text(qtbot, w.editor, "spare: {description: not reached yet}\n")  # Enter keeps indent
    qtbot.waitUntil(lambda: "s_spare" in w.map.node_items, timeout=15000)
    assert "spare" in w.outline.refs("state")


def test_the_play_tab_lays_a_dozen_flags_out_in_a_grid(
    qtbot: Any, studio: tuple[StudioWindow, FakePrompts], scenario_file: Path
) -> None:
    """The standard log gives every scenario fourteen flags or more: in one row they made the
    studio wider than a laptop screen."""
    w, _ = studio
    open_and_lint(qtbot, w, scenario_file)
    assert len(w.play.flag_buttons) >= 14
    assert w.minimumSizeHint().width() <= 1280
    rows = {w.play.flag_row.getItemPosition(i)[0] for i in range(w.play.flag_row.count())}
    assert len(rows) > 1


def test_an_edit_replays_the_conversation_and_says_what_changed(
    qtbot: Any, studio: tuple[StudioWindow, FakePrompts], tmp_path: Path
) -> None:
    w, prompts = studio
    prompts.ids.append("door-kicked-in")
    with qtbot.waitSignal(w.sig_lint_applied, timeout=15000):
        w.files.new_scenario()
    w.show_tab("play")
    qtbot.keyClicks(w.play.input, "What's happened?")
    qtbot.keyClick(w.play.input, Qt.Key.Key_Return)
    qtbot.mouseClick(w.play.flag_buttons["vulnerable_person"], Qt.MouseButton.LeftButton)
    assert w.play.session is not None and w.play.session.flags_raised == {"vulnerable_person"}
    select_in_editor(w, "ask_what_happened", after="      - intent: ")
    with qtbot.waitSignal(w.play.sig_replayed, timeout=15000) as replayed:
        qtbot.keyClicks(w.editor, "ask_location")
    (change,) = replayed.args[0]
    # no handler takes "what's happened?" now: Sam's answer to it (answers:) does
    assert change.index == 1 and change.after.caller_lines == ["a.what"]
    assert w.play.note.isVisible() and "turn 1 now goes differently" in w.play.note.text()
    assert "a.what" in w.play.transcript.toPlainText()
    qtbot.mouseClick(w.play.end_button, Qt.MouseButton.LeftButton)
    assert w.play.session.ended and not w.play.input.isEnabled()
    assert "ended by the trainee" in w.play.result_label.text()
    qtbot.mouseClick(w.play.restart_button, Qt.MouseButton.LeftButton)
    assert len(w.play.session.turns) == 1 and w.play.input.isEnabled()


def test_hear_a_line_and_render_all_with_the_silent_voice(
    qtbot: Any, studio: tuple[StudioWindow, FakePrompts], scenario_file: Path, player: Any
) -> None:
    w, _ = studio
    open_and_lint(qtbot, w, scenario_file)
    s = load_scenario(scenario_file)
    assert w.voice.audio_kind("open.1") == "none"
    # the cursor on a line in the text, then F9
    line = s.lines["open.1"]
    w.editor.go_to(line.pos.line, line.pos.col)
    with qtbot.waitSignal(w.voice.sig_line_heard, timeout=10000) as heard:
        qtbot.keyClick(w.editor, Qt.Key.Key_F9)
    assert heard.args == ["open.1", "cached"]
    assert player.plays and player.plays[-1].startswith("open.1-")
    # a line chosen in the outline
    item = w.outline.find_entry("line", "ans.what")
    assert item is not None
    w.show_tab("outline")
    w.outline.setCurrentItem(item)
    with qtbot.waitSignal(w.voice.sig_line_heard, timeout=10000) as heard:
        qtbot.keyClick(w.outline, Qt.Key.Key_F9)
    assert heard.args[0] == "ans.what"
    # render all: a progress bar, then every line has its voice
    w.show_tab("voice")
    with qtbot.waitSignal(w.voice.sig_render_finished, timeout=60000) as rendered:
        qtbot.mouseClick(w.voice.render_button, Qt.MouseButton.LeftButton)
    report = rendered.args[0]
    assert report.total == len(s.lines) and not report.failed
    assert w.voice.progress.value() == w.voice.progress.maximum() == len(s.lines)
    kinds = {w.voice.table.item(r, 2).text() for r in range(w.voice.table.rowCount())}
    assert kinds == {"cached synthesis"}
    # recorded voice-over wins, and the outline says so
    rec = w.voice.kit.audio.audio_root / BUILT_IN / "open.1.wav"  # type: ignore[operator]
    rec.parent.mkdir(parents=True)
    shutil.copy(w.voice.kit.audio.resolve(s, line).path, rec)  # type: ignore[arg-type]
    assert w.voice.audio_kind("open.1") == "recorded"


def test_every_control_is_named_and_reachable_by_keyboard(
    qtbot: Any, studio: tuple[StudioWindow, FakePrompts], scenario_file: Path
) -> None:
    w, _ = studio
    open_and_lint(qtbot, w, scenario_file)
    for button in w.findChildren(QPushButton):
        assert button.text() or button.accessibleName(), button.objectName()
        assert button.focusPolicy() & Qt.FocusPolicy.TabFocus
    shortcuts = {k: a.shortcut().toString() for k, a in w.actions_by_key.items()}
    assert shortcuts["save"] == "Ctrl+S" and shortcuts["new"] == "Ctrl+N"
    assert shortcuts["open"] == "Ctrl+O" and shortcuts["tests"] == "F5"
    assert shortcuts["next_problem"] == "F8" and shortcuts["hear"] == "F9"
    # Tab indents in the editor (YAML is indentation); Ctrl+Tab leaves it
    w.editor.setFocus()
    qtbot.keyClick(w.editor, Qt.Key.Key_Tab, ctrl())
    assert QApplication.focusWidget() is not w.editor
    # F6 walks the panes: editor, problems, tabs
    w.editor.setFocus()
    qtbot.keyClick(w.editor, Qt.Key.Key_F6)
    assert QApplication.focusWidget() is w.problems
    qtbot.keyClick(w.problems, Qt.Key.Key_F6)
    assert QApplication.focusWidget() is w.tabs.tabBar()


def test_a_line_that_is_only_shown_says_so_and_is_not_played(
    qtbot: Any, studio: tuple[StudioWindow, FakePrompts], tmp_path: Path, player: Any
) -> None:
    """`voice: false` lines (breathing, a television) are shown to the trainee, never spoken:
    the voice pane says so instead of "nothing yet", and hearing one plays nothing."""
    w, _ = studio
    f = tmp_path / "open-line.yaml"
    shutil.copy(SCENARIOS / f.name, f)
    open_and_lint(qtbot, w, f)
    s = load_scenario(f)
    silent = next(ln.id for ln in s.lines.values() if not ln.voice)
    spoken = next(ln.id for ln in s.lines.values() if ln.voice)
    w.show_tab("voice")
    w.voice.refresh()
    rows = {w.voice.table.item(r, 0).text(): r for r in range(w.voice.table.rowCount())}
    assert w.voice.table.item(rows[silent], 2).text() == "shown only, never spoken"
    assert w.voice.table.item(rows[spoken], 2).text() == "nothing yet"
    plays = len(player.plays)
    w.voice.hear(silent)
    assert "only shown" in w.voice.message.text() and len(player.plays) == plays
