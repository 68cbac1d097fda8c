"""The questions the studio asks the instructor (file names, ids, unsaved changes), behind one
small class so that tests answer them without modal dialogs: pass a `Prompts` of your own."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from PySide6.QtWidgets import QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

Unsaved = Literal["save", "discard", "cancel"]
FILTER = "Scenario files (*.yaml *.yml);;All files (*)"


class Prompts:
    """Modal Qt dialogs. Each method returns None (or "cancel") when the user cancels."""

    def new_scenario_id(self, parent: QWidget) -> str | None:
        text, ok = QInputDialog.getText(
            parent,
            parent.tr("New scenario"),
            parent.tr("Scenario id (lowercase words joined by '-', e.g. bus-stop-assault):"),
            QLineEdit.EchoMode.Normal,
            "",
        )
        return text.strip() if ok and text.strip() else None

    def open_path(self, parent: QWidget, folder: Path) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(
            parent, parent.tr("Open scenario"), str(folder), FILTER
        )
        return Path(name) if name else None

    def save_path(self, parent: QWidget, suggested: Path) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(
            parent, parent.tr("Save scenario as"), str(suggested), FILTER
        )
        return Path(name) if name else None

    def unsaved_changes(self, parent: QWidget, name: str) -> Unsaved:
        box = QMessageBox(parent)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(parent.tr("Unsaved changes"))
        box.setText(parent.tr("Save the changes to {name}?").replace("{name}", name))
        box.setStandardButtons(
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        if answer == QMessageBox.StandardButton.Save:
            return "save"
        if answer == QMessageBox.StandardButton.Discard:
            return "discard"
        return "cancel"

    def playtest_name(self, parent: QWidget, suggested: str) -> str | None:
        text, ok = QInputDialog.getText(
            parent,
            parent.tr("Save as playtest"),
            parent.tr("Name of the playtest:"),
            QLineEdit.EchoMode.Normal,
            suggested,
        )
        return text.strip() if ok and text.strip() else None

    def error(self, parent: QWidget, title: str, message: str) -> None:
        QMessageBox.warning(parent, title, message)
