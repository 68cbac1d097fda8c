"""Helpers for the studio window tests: prompts answered from lists instead of dialogs, and a
window wired with a silent voice, a fake player and private folders."""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from app.ui.studio.prompts import Unsaved
from app.ui.studio.window import StudioServices, StudioWindow
from app.voice import AudioCache, LineAudio, SilentSynth, VoiceKit, VoiceStatus
from tests.conftest import ROOT

TEMPLATE = ROOT / "resources" / "scenario-template.yaml"


class FakePrompts:
    """Each question takes the next queued answer (None/"discard" when none is queued);
    every question asked is recorded in `asked`."""

    def __init__(self) -> None:
        self.ids: deque[str | None] = deque()
        self.open_paths: deque[Path | None] = deque()
        self.save_paths: deque[Path | None] = deque()
        self.unsaved: deque[Unsaved] = deque()
        self.names: deque[str | None] = deque()
        self.asked: list[str] = []
        self.errors: list[str] = []

    def _next(self, q: deque[Any], what: str, default: Any = None) -> Any:
        self.asked.append(what)
        return q.popleft() if q else default

    def new_scenario_id(self, parent: QWidget) -> str | None:
        return self._next(self.ids, "id")  # type: ignore[no-any-return]

    def open_path(self, parent: QWidget, folder: Path) -> Path | None:
        return self._next(self.open_paths, "open")  # type: ignore[no-any-return]

    def save_path(self, parent: QWidget, suggested: Path) -> Path | None:
        self.asked.append(f"suggested {suggested}")
        return self._next(self.save_paths, "save")  # type: ignore[no-any-return]

    def unsaved_changes(self, parent: QWidget, name: str) -> Unsaved:
        return self._next(self.unsaved, "unsaved", "discard")  # type: ignore[no-any-return]

    def playtest_name(self, parent: QWidget, suggested: str) -> str | None:
        return self._next(self.names, "playtest name")  # type: ignore[no-any-return]

    def error(self, parent: QWidget, title: str, message: str) -> None:
        self.errors.append(f"{title}: {message}")


def make_studio(qtbot: Any, folder: Path, player: Any) -> tuple[StudioWindow, FakePrompts]:
    synth = SilentSynth()
    cache = AudioCache(folder / "cache")
    kit = VoiceKit(
        synth=synth,
        cache=cache,
        audio=LineAudio(synth, cache, folder / "audio"),
        player=player,
        status=VoiceStatus("silent", "fake", ("speech_off",), ("Speech is switched off.",)),
    )
    prompts = FakePrompts()
    window = StudioWindow(StudioServices(kit, folder, TEMPLATE, prompts))  # type: ignore[arg-type]
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    return window, prompts


def open_and_lint(qtbot: Any, window: StudioWindow, path: Path) -> None:
    with qtbot.waitSignal(window.sig_lint_applied, timeout=15000):
        assert window.files.open_file(path)


def select_in_editor(window: StudioWindow, needle: str, after: str = "") -> tuple[int, int]:
    """Select the first `needle` that follows `after` in the editor (by cursor, as a user
    would); returns its 1-based line and column."""
    text = window.editor.toPlainText()
    at = text.index(after + needle) + len(after)
    line = text.count("\n", 0, at) + 1
    col = at - (text.rfind("\n", 0, at) + 1) + 1
    window.editor.go_to(line, col)
    cursor = window.editor.textCursor()
    cursor.movePosition(cursor.MoveOperation.Right, cursor.MoveMode.KeepAnchor, len(needle))
    window.editor.setTextCursor(cursor)
    return line, col


def ctrl() -> Qt.KeyboardModifier:
    return Qt.KeyboardModifier.ControlModifier


def type_text(qtbot: Any, widget: QWidget, text: str) -> None:
    """Type `text` into `widget` key by key, newlines as the Return key."""
    for i, part in enumerate(text.split("\n")):
        if i:
            qtbot.keyClick(widget, Qt.Key.Key_Return)
        if part:
            qtbot.keyClicks(widget, part)
