"""The remembered choices: typed reads with their defaults, and one place that declares them."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QSettings

from app.ui.settings import (
    ASSESSOR_NAME,
    FONT_DEFAULT_PT,
    MODE,
    TEXT_MAX_PERCENT,
    TEXT_MIN_PERCENT,
    TEXT_PERCENT,
    TEXT_STEP_PERCENT,
    UiSettings,
)
from tests.conftest import ROOT


def test_values_read_back_with_their_types(tmp_path: Path) -> None:
    settings = UiSettings.at(tmp_path / "s.ini")
    settings.font_pt = 14
    settings.geometry = b"\x01\x02\xff"
    settings.assessor_name = "Alex Assessor"
    settings.sync()
    again = UiSettings.at(tmp_path / "s.ini")  # from the INI file, where everything is text
    assert again.font_pt == 14 and again.get(TEXT_PERCENT) == 130  # the nearest 10% step
    assert again.geometry == b"\x01\x02\xff"
    assert again.get(ASSESSOR_NAME) == "Alex Assessor"


def test_unusable_stored_values_give_the_default(tmp_path: Path) -> None:
    raw = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    raw.setValue(TEXT_PERCENT.key, "large")
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


def test_text_size_is_a_percentage_in_ten_percent_steps_up_to_200(tmp_path: Path) -> None:
    settings = UiSettings.at(tmp_path / "s.ini")
    assert settings.text_percent == 100 and settings.font_pt == FONT_DEFAULT_PT
    settings.text_percent = 147
    assert settings.text_percent == 150
    settings.text_percent = 500
    assert settings.text_percent == 200 and settings.font_pt == 2 * FONT_DEFAULT_PT
    settings.text_percent = 10
    assert settings.text_percent == 70


def test_a_point_size_an_older_version_stored_becomes_a_percentage(tmp_path: Path) -> None:
    raw = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    raw.setValue("view/font_pt", 22)
    raw.sync()
    settings = UiSettings.at(tmp_path / "s.ini")
    assert settings.text_percent == 200
    assert "font_pt" not in (tmp_path / "s.ini").read_text(encoding="utf-8")


def test_every_text_size_survives_the_window_opening_again(tmp_path: Path) -> None:
    # The window sets the size from its points on opening (`set_font_size(font_pt)`): 150%
    # (16.5 pt, shown as 16) once came back as 140%, a step smaller at every start.
    settings = UiSettings.at(tmp_path / "s.ini")
    for percent in range(TEXT_MIN_PERCENT, TEXT_MAX_PERCENT + 1, TEXT_STEP_PERCENT):
        settings.text_percent = percent
        settings.font_pt = settings.font_pt
        assert settings.text_percent == percent
