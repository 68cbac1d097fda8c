"""W110: a pattern that is one common word is weak evidence, and lint says so (issue 9)."""

from __future__ import annotations

from pathlib import Path

from app.scenario.loader import lint_file
from tests.scenario_kit import BASE


def _lint(tmp_path: Path, patterns: str) -> list[str]:
    text = BASE.replace(
        "  where: {examples: [where are you]}",
        f"  where: {{examples: [where are you], patterns: [{patterns}]}}",
    )
    assert text != BASE
    path = tmp_path / "kit.yaml"
    path.write_text(text, encoding="utf-8")
    return [f"{p.code} {p.message}" for p in lint_file(path) if p.code == "W110"]


def test_one_common_word_is_warned_about(tmp_path: Path) -> None:
    (warning,) = _lint(tmp_path, '{any: [name, "your address", postcode]}')
    assert warning.startswith("W110 pattern 'name' of intent 'where' is one common word")


def test_phrases_and_rare_words_are_fine(tmp_path: Path) -> None:
    assert _lint(tmp_path, '{any: ["your name", postcode, whereabouts]}') == []
