"""Located problems (`path:line:col: error[E123] message`) and the error that carries them."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    col: int
    severity: Literal["error", "warning"]
    code: str
    message: str

    def __str__(self) -> str:
        msg = _one_line(self.message)
        return f"{self.path}:{self.line}:{self.col}: {self.severity}[{self.code}] {msg}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class ScenarioError(Exception):
    """Raised when a file cannot be used; `problems` says what and where (errors first)."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.severity != "error", p.line, p.col))
        first = self.problems[0] if self.problems else None
        super().__init__(str(first) if first else "invalid scenario")

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]


def _one_line(text: str) -> str:
    """Control and format characters escaped: a problem is one line (messages quote the file)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the closest choice, or '' when nothing is close."""
    close = difflib.get_close_matches(word, sorted(set(choices)), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
