"""The studio's menus and shortcuts, in one place (so the keyboard map is easy to read)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

if TYPE_CHECKING:
    from app.ui.studio.window import StudioWindow


def build_menus(w: StudioWindow) -> dict[str, QAction]:
    actions: dict[str, QAction] = {}
    bar = w.menuBar()

    def add(menu_name: str, key: str, text: str, slot: Callable[[], object],
            shortcut: str | QKeySequence.StandardKey | None = None) -> None:  # fmt: skip
        menu = menus[menu_name]
        action = QAction(text, w)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        actions[key] = action

    menus = {
        name: bar.addMenu(title)
        for name, title in (
            ("file", w.tr("&File")),
            ("edit", w.tr("&Edit")),
            ("view", w.tr("&View")),
            ("run", w.tr("&Run")),
        )
    }
    add("file", "new", w.tr("&New scenario…"), w.files.new_scenario, "Ctrl+N")
    add("file", "open", w.tr("&Open…"), w.files.open_file, "Ctrl+O")
    add("file", "save", w.tr("&Save"), w.files.save, "Ctrl+S")
    add("file", "save_as", w.tr("Save &as…"), w.files.save_as, "Ctrl+Shift+S")
    menus["file"].addSeparator()
    add("file", "close", w.tr("&Close studio"), w.close, "Ctrl+Q")

    add("edit", "undo", w.tr("&Undo"), w.editor.undo, QKeySequence.StandardKey.Undo)
    add("edit", "redo", w.tr("&Redo"), w.editor.redo, QKeySequence.StandardKey.Redo)
    menus["edit"].addSeparator()
    add("edit", "next_problem", w.tr("&Next problem"), lambda: w.problems.step(True), "F8")
    add("edit", "prev_problem", w.tr("&Previous problem"), lambda: w.problems.step(False),
        "Shift+F8")  # fmt: skip
    add("edit", "go_line", w.tr("&Go to line…"), w.ask_go_to_line, "Ctrl+G")

    add("view", "editor", w.tr("&Editor"), w.focus_editor, "Ctrl+0")
    for n, (key, title) in enumerate(
        (
            ("outline", w.tr("&Outline")),
            ("map", w.tr("&Map")),
            ("play", w.tr("&Play")),
            ("tests", w.tr("&Tests")),
            ("voice", w.tr("&Voice")),
        ),
        1,
    ):
        add("view", key, title, partial(w.show_tab, key), f"Ctrl+{n}")
    add("view", "problems", w.tr("P&roblems"), w.focus_problems, "Ctrl+Shift+M")
    add("view", "next_pane", w.tr("Next pa&ne"), lambda: w.cycle_panes(True), "F6")
    add("view", "prev_pane", w.tr("Previous pan&e"), lambda: w.cycle_panes(False), "Shift+F6")

    add("run", "tests", w.tr("Run all &playtests"), w.run_playtests, "F5")
    add("run", "talk", w.tr("&Talk to the caller"), w.focus_play, "Ctrl+T")
    add("run", "hear", w.tr("&Hear line"), w.hear_line, "F9")
    add("run", "render", w.tr("&Render all lines"), w.render_all_lines)
    return actions
