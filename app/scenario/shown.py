"""`Shown`, on its own: the start screen names scenarios from the catalog's index without
importing the model (some thirty dataclasses) before its first paint."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Shown:
    """What the screens before the debrief show of a scenario in one mode."""

    title: str
    summary: str | None
    content_note: str | None
