"""Opening, creating and saving the studio's file, with the questions that go with it
(unsaved changes, a file name, a new id) and the banner when the file changed on disk.

A collaborator of `StudioWindow`: it works on the window's document and editor, asks its
questions through `Prompts`, and reaches the window itself only through `FileHost`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from app.scenario.problems import ScenarioError
from app.scenario.reader import SCENARIO_ID
from app.studio.template import new_scenario_text
from app.ui.studio.document import Document
from app.ui.studio.editor import CodeEditor
from app.ui.studio.prompts import Prompts


class FileHost(Protocol):
    """What the file actions need of the window they work for (`StudioWindow` provides it)."""

    def post(self, message: str) -> None:
        """Show a passing notice (the status bar)."""
        ...

    def setWindowTitle(self, title: str, /) -> None:
        """Name the file being edited (QWidget's own)."""
        ...

    def relint(self) -> None:
        """The text or the file's name changed: check it again now."""
        ...


class FileActions(QObject):
    """The File menu's work. `banner` (hidden until the file changes on disk) is for the host
    to place above the editor."""

    def __init__(
        self,
        host: FileHost,
        doc: Document,
        editor: CodeEditor,
        prompts: Prompts,
        *,
        template: Path,
        scenarios_dir: Path,
        parent: QWidget,
    ) -> None:
        """`parent` owns these actions and is the window their questions are asked over."""
        super().__init__(parent)
        self.host = host
        self.doc = doc
        self.editor = editor
        self.prompts = prompts
        self.template = template
        self.scenarios_dir = scenarios_dir
        self._parent = parent
        self.banner = QFrame()
        self.banner.setObjectName("banner")
        row = QHBoxLayout(self.banner)
        row.setContentsMargins(8, 4, 8, 4)
        self.banner_text = QLabel()
        self.banner_text.setWordWrap(True)
        self.reload_button = QPushButton(self.tr("&Reload from disk"))
        self.reload_button.clicked.connect(self.reload_from_disk)
        self.keep_button = QPushButton(self.tr("&Keep my version"))
        self.keep_button.clicked.connect(self.keep_my_version)
        row.addWidget(self.banner_text, 1)
        row.addWidget(self.reload_button)
        row.addWidget(self.keep_button)
        self.banner.hide()
        editor.document().modificationChanged.connect(lambda _m: self.update_title())
        doc.sig_file_changed_on_disk.connect(self._changed_on_disk)

    def new_scenario(self) -> bool:
        if not self.maybe_discard():
            return False
        sid = self.prompts.new_scenario_id(self._parent)
        if sid is None:
            return False
        if not SCENARIO_ID.match(sid):
            self.prompts.error(self._parent, self.tr("New scenario"), self.tr(
                "'{id}' is not a valid scenario id: use lowercase words joined by '-', "
                "like bus-stop-assault.").replace("{id}", sid))  # fmt: skip
            return False
        text = new_scenario_text(self.template, sid)
        self.doc.new(self.scenarios_dir / f"{sid}.yaml")
        self._load_text(text, modified=True)
        return True

    def open_file(self, path: Path | None = None) -> bool:
        if not self.maybe_discard():
            return False
        target = path or self.prompts.open_path(self._parent, self._folder())
        if target is None:
            return False
        try:
            text = self.doc.open(Path(target))
        except ScenarioError as exc:
            self.prompts.error(self._parent, self.tr("Open scenario"), str(exc))
            return False
        self._load_text(text, modified=False)
        return True

    def save(self) -> bool:
        if self.doc.path is None:
            return self.save_as()
        return self._write(None)

    def save_as(self) -> bool:
        suggested = self.doc.path or self.doc.suggested or self._folder() / "untitled.yaml"
        target = self.prompts.save_path(self._parent, suggested)
        return self._write(target) if target is not None else False

    def _write(self, target: Path | None) -> bool:
        try:
            backup = self.doc.save(self.editor.toPlainText(), target)
        except OSError as exc:
            self.prompts.error(self._parent, self.tr("Save"), f"{exc.filename}: {exc.strerror}")
            return False
        self.editor.document().setModified(False)
        self.banner.hide()
        note = (
            self.tr(" (previous version kept in {b})").replace("{b}", str(backup)) if backup else ""
        )
        self.host.post(self.tr("Saved {p}").replace("{p}", str(self.doc.path)) + note)
        self.update_title()
        self.host.relint()  # the file name may have changed (the id must match it)
        return True

    def maybe_discard(self) -> bool:
        """True when it is fine to drop the editor's text (saved, or the instructor agrees)."""
        if not self.editor.document().isModified():
            return True
        answer = self.prompts.unsaved_changes(self._parent, self.doc.name)
        if answer == "save":
            return self.save()
        return answer == "discard"

    def reload_from_disk(self) -> None:
        self.banner.hide()
        if self.doc.path is not None and self.doc.path.exists():
            try:
                self._load_text(self.doc.reload(), modified=False, keep_place=True)
            except ScenarioError as exc:
                self.prompts.error(self._parent, self.tr("Reload"), str(exc))

    def keep_my_version(self) -> None:
        self.banner.hide()
        self.doc.accept_disk_version()
        self.editor.document().setModified(True)

    def _changed_on_disk(self, path: str) -> None:
        gone = not Path(path).exists()
        text = self.tr("{f} was deleted on disk.") if gone else self.tr(
            "{f} was changed on disk by another program.")  # fmt: skip
        if self.editor.document().isModified() and not gone:
            text += self.tr(" Reloading loses your unsaved changes.")
        self.banner_text.setText(text.replace("{f}", Path(path).name))
        self.reload_button.setEnabled(not gone)
        self.banner.show()

    def _load_text(self, text: str, *, modified: bool, keep_place: bool = False) -> None:
        line, col = self.editor.position()
        if keep_place:
            self.editor.replace_all(text)
            self.editor.go_to(line, col, focus=False)
        else:
            self.editor.setPlainText(text)
        self.editor.document().setModified(modified)
        self.banner.hide()
        self.update_title()
        self.host.relint()

    def _folder(self) -> Path:
        if self.doc.path is not None:
            return self.doc.path.parent
        return self.scenarios_dir

    def update_title(self) -> None:
        star = "*" if self.editor.document().isModified() else ""
        where = f" ({self.doc.path.parent})" if self.doc.path else ""
        self.host.setWindowTitle(f"{self.doc.name}{star}{where} - callsim studio")
