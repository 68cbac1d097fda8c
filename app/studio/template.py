"""New scenarios start from resources/scenario-template.yaml (`callsim new ID`)."""

from __future__ import annotations

import re
from pathlib import Path

from app.content import shipped_path

TEMPLATE_ID = "new-scenario"  # the id the template is written with
_ID_LINE = re.compile(rf"^id: {re.escape(TEMPLATE_ID)}[ \t]*$", re.MULTILINE)


def template_path() -> Path:
    """The template every new scenario starts from (shipped with every install)."""
    return shipped_path("resources") / "scenario-template.yaml"


def new_scenario_text(template: Path, scenario_id: str) -> str:
    """The template's text with its id replaced by `scenario_id` (everything else as is)."""
    text = template.read_text(encoding="utf-8")
    new, n = _ID_LINE.subn(f"id: {scenario_id}", text)
    if n != 1:
        raise ValueError(f"{template}: expected one line 'id: {TEMPLATE_ID}'")
    return new
