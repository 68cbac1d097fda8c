"""Opening, creating and saving the studio's file, with the questions that go with it
(unsaved changes, a file name, a new id) and the warning when the file changed on disk.

A mixin of `StudioWindow`: it uses the window's editor, document, prompts and linter.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFrame, QLabel, QMainWindow, QPushButton

from app.scenario.problems import ScenarioError
from app.scenario.reader import SCENARIO_ID
from app.studio.template import new_scenario_text
from app.ui.studio.document import Document
from app.ui.studio.editor import CodeEditor
from app.ui.studio.linting import LintRunner
from app.ui.studio.prompts import Prompts

if TYPE_CHECKING:
    from app.ui.studio.window import StudioServices


class FileActions(QMainWindow if TYPE_CHECKING else object):  # type: ignore[misc]
    """Mixed into `StudioWindow` (a QMainWindow), which provides these:"""

    services: StudioServices
    prompts: Prompts
    doc: Document
    editor: CodeEditor
    lint: LintRunner
    banner: QFrame
    banner_text: QLabel
    reload_button: QPushButton

    def new_scenario(self) -> bool:
        if not self.maybe_discard():
            return False
        sid = self.prompts.new_scenario_id(self)
        if sid is None:
            return False
        if not SCENARIO_ID.match(sid):
            self.prompts.error(self, self.tr("New scenario"), self.tr(
                "'{id}' is not a valid scenario id: use lowercase words joined by '-', "
                "like bus-stop-assault.").replace("{id}", sid))  # fmt: skip
            return False
        text = new_scenario_text(self.services.template, sid)
        self.doc.new(self.services.scenarios_dir / f"{sid}.yaml")
        self._load_text(text, modified=True)
        return True

    def open_file(self, path: Path | None = None) -> bool:
        if not self.maybe_discard():
            return False
        target = path or self.prompts.open_path(self, self._folder())
        if target is None:
            return False
        try:
            text = self.doc.open(Path(target))
        except ScenarioError as exc:
            self.prompts.error(self, self.tr("Open scenario"), str(exc))
            return False
        self._load_text(text, modified=False)
        return True

    def save(self) -> bool:
        if self.doc.path is None:
            return self.save_as()
        return self._write(None)

    def save_as(self) -> bool:
        suggested = self.doc.path or self.doc.suggested or self._folder() / "untitled.yaml"
        target = self.prompts.save_path(self, suggested)
        return self._write(target) if target is not None else False

    def _write(self, target: Path | None) -> bool:
        try:
            backup = self.doc.save(self.editor.toPlainText(), target)
        except OSError as exc:
            self.prompts.error(self, self.tr("Save"), f"{exc.filename}: {exc.strerror}")
            return False
        self.editor.document().setModified(False)
        self.banner.hide()
        note = (
            self.tr(" (previous version kept in {b})").replace("{b}", str(backup)) if backup else ""
        )
        self.statusBar().showMessage(
            self.tr("Saved {p}").replace("{p}", str(self.doc.path)) + note, 8000
        )
        self._update_title()
        self.lint.run_now()  # the file name may have changed (the id must match it)
        return True

    def maybe_discard(self) -> bool:
        """True when it is fine to drop the editor's text (saved, or the instructor agrees)."""
        if not self.editor.document().isModified():
            return True
        answer = self.prompts.unsaved_changes(self, self.doc.name)
        if answer == "save":
            return self.save()
        return answer == "discard"

    def reload_from_disk(self) -> None:
        self.banner.hide()
        if self.doc.path is not None and self.doc.path.exists():
            try:
                self._load_text(self.doc.reload(), modified=False, keep_place=True)
            except ScenarioError as exc:
                self.prompts.error(self, self.tr("Reload"), str(exc))

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
        self._update_title()
        self.lint.run_now()

    def _folder(self) -> Path:
        if self.doc.path is not None:
            return self.doc.path.parent
        return self.services.scenarios_dir

    def _update_title(self) -> None:
        star = "*" if self.editor.document().isModified() else ""
        where = f" ({self.doc.path.parent})" if self.doc.path else ""
        self.setWindowTitle(f"{self.doc.name}{star}{where} - callsim studio")
