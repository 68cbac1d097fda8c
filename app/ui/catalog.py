"""The scenarios the trainee can choose from: every file in the scenarios folder, loaded and
checked. A file that does not load is listed as unavailable with its first error; one bad
file never hides the others or stops the app. Plain Python: runs in a worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.scenario.loader import load_scenario
from app.scenario.model import Scenario
from app.scenario.problems import ScenarioError


@dataclass(frozen=True)
class CatalogEntry:
    path: Path
    scenario: Scenario | None = None
    error: str | None = None  # the first problem, located, when the file is unusable

    @property
    def available(self) -> bool:
        return self.scenario is not None

    @property
    def key(self) -> str:
        """What the app remembers as the last choice: the scenario id, else the file stem."""
        return self.scenario.id if self.scenario is not None else self.path.stem


def load_catalog(folder: Path) -> list[CatalogEntry]:
    """Every `*.yaml` in `folder`, sorted by title (unavailable files last)."""
    entries: list[CatalogEntry] = []
    paths = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    for path in paths:
        try:
            entries.append(CatalogEntry(path, scenario=load_scenario(path)))
        except ScenarioError as exc:
            problems = exc.errors or exc.problems
            entries.append(CatalogEntry(path, error=str(problems[0]) if problems else str(exc)))
        except Exception as exc:  # a loader bug on one odd file must not empty the list
            entries.append(CatalogEntry(path, error=f"{path}: {type(exc).__name__}: {exc}"))
    return sorted(
        entries, key=lambda e: (not e.available, e.scenario.title if e.scenario else e.path.name)
    )
