"""The remembered choices: typed reads with their defaults, and one place that declares them."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QSettings

from app.ui.settings import ASSESSOR_NAME, FONT_DEFAULT_PT, FONT_PT, MODE, UiSettings
from tests.conftest import ROOT


def test_values_read_back_with_their_types(tmp_path: Path) -> None:
    settings = UiSettings.at(tmp_path / "s.ini")
    settings.font_pt = 14
    settings.geometry = b"\x01\x02\xff"
    settings.assessor_name = "Alex Assessor"
    settings.sync()
    again = UiSettings.at(tmp_path / "s.ini")  # from the INI file, where everything is text
    assert again.get(FONT_PT) == 14
    assert again.geometry == b"\x01\x02\xff"
    assert again.get(ASSESSOR_NAME) == "Alex Assessor"


def test_unusable_stored_values_give_the_default(tmp_path: Path) -> None:
    raw = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    raw.setValue(FONT_PT.key, "large")
    raw.setValue(MODE.key, "exam")
    raw.setValue("view/geometry", 5)
    raw.sync()
    settings = UiSettings.at(tmp_path / "s.ini")
    assert settings.font_pt == FONT_DEFAULT_PT
    assert settings.mode == "practice"
    assert settings.geometry == b""


def test_settings_are_declared_only_in_the_settings_module() -> None:
    ad_hoc = re.compile(r"\bQSettings\b|\bOption(\.\w+)?\(")  # a store, or a key declared
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in sorted((ROOT / "app").rglob("*.py"))
        if path != ROOT / "app" / "ui" / "settings.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ad_hoc.search(line)
    ]
    assert found == []
