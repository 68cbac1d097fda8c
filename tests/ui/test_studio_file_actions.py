"""The studio's file actions reach their window only through `FileHost`: a bare widget as the
host is enough to start, save and reopen a scenario, and to be asked before losing edits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.ui.studio.document import Document
from app.ui.studio.editor import CodeEditor
from app.ui.studio.file_actions import FileActions, FileHost
from tests.ui.studio_kit import TEMPLATE, FakePrompts


class FakeHost(QWidget):
    """Records what the file actions tell their window."""

    def __init__(self) -> None:
        super().__init__()
        self.posts: list[str] = []
        self.titles: list[str] = []
        self.relints = 0

    def post(self, message: str) -> None:
        self.posts.append(message)

    def setWindowTitle(self, title: str, /) -> None:  # Qt's name
        self.titles.append(title)

    def relint(self) -> None:
        self.relints += 1


def make_files(qtbot: Any, folder: Path) -> tuple[FileActions, FakeHost, FakePrompts]:
    host = FakeHost()
    qtbot.addWidget(host)
    editor = CodeEditor()
    prompts = FakePrompts()
    checked: FileHost = host  # the fake is a host as far as the type checker knows, too
    files = FileActions(
        checked, Document(host), editor, prompts,  # type: ignore[arg-type]
        template=TEMPLATE, scenarios_dir=folder, parent=host,
    )  # fmt: skip
    col = QVBoxLayout(host)
    col.addWidget(files.banner)
    col.addWidget(editor)
    return files, host, prompts


def test_new_save_and_reopen_through_a_fake_host(qtbot: Any, tmp_path: Path) -> None:
    files, host, prompts = make_files(qtbot, tmp_path)
    prompts.ids.append("door-kicked-in")
    assert files.new_scenario()
    assert "\nid: door-kicked-in\n" in files.editor.toPlainText()
    assert host.titles[-1] == "door-kicked-in.yaml* - callsim studio"
    assert host.relints == 1

    target = tmp_path / "door-kicked-in.yaml"
    prompts.save_paths.append(target)
    assert files.save()  # a new file: Save asks where
    assert target.read_text(encoding="utf-8") == files.editor.toPlainText()
    assert host.posts == [f"Saved {target}"]
    assert host.titles[-1] == f"door-kicked-in.yaml ({tmp_path}) - callsim studio"
    assert host.relints == 2

    saved = files.editor.toPlainText()
    files.editor.moveCursor(QTextCursor.MoveOperation.Start)
    files.editor.insertPlainText("# mine\n")
    assert host.titles[-1].startswith("door-kicked-in.yaml*")
    prompts.unsaved.append("cancel")
    assert not files.open_file(target)  # asked first, and cancelled: the edit stays
    assert prompts.asked[-1] == "unsaved"
    assert files.editor.toPlainText() == "# mine\n" + saved
    prompts.unsaved.append("discard")
    assert files.open_file(target)
    assert files.editor.toPlainText() == target.read_text(encoding="utf-8")
    assert not files.banner.isVisible()
