"""Layer 4: lint checks on a scenario whose references are sound (warnings mostly)."""

from __future__ import annotations

from app.scenario.model import Pos, Scenario
from app.scenario.reader import Reader


def run_checks(s: Scenario, r: Reader, *, file_stem: str | None = None) -> None:
    if file_stem is not None and file_stem != s.id:
        r.warn(
            Pos(1, 1), "W107", f"scenario id '{s.id}' does not match the file name '{file_stem}'"
        )
