"""Lint an unsaved buffer: every problem (errors and warnings) and, when it has no errors, the
scenario itself, for the studio's problems list, outline, map and play pane.

`callsim lint` reads files; the studio lints what is in the editor, so this goes through the
loader's text entry point (`_build`) with the same checks, including W107 (the id must match
the file name) when the buffer has a file name.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from app.scenario.loader import _build
from app.scenario.model import Scenario
from app.scenario.problems import Problem, ScenarioError


@dataclass(frozen=True)
class LintResult:
    problems: tuple[Problem, ...]  # sorted by position
    scenario: Scenario | None  # None when the text has any error

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.is_error)

    @property
    def warnings(self) -> int:
        return len(self.problems) - self.errors


def lint_text(text: str, path: str | None = None) -> LintResult:
    """Lint `text` as if it were the file at `path` (None: not saved yet, no name check)."""
    name = path or "<unsaved>"
    stem = Path(path).stem if path else None
    data = text.encode("utf-8")
    try:
        scenario, problems = _build(text, data, name, check=True, file_stem=stem)
    except ScenarioError as exc:  # YAML syntax and other whole-file failures
        scenario, problems = None, list(exc.problems)
    ordered = tuple(sorted(problems, key=lambda p: (p.line, p.col, p.code)))
    if scenario is None or any(p.is_error for p in ordered):
        return LintResult(ordered, None)
    scenario = replace(scenario, sha256=hashlib.sha256(data).hexdigest())
    return LintResult(ordered, scenario)
