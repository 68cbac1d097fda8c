"""What the engine, the studio and the services need of a matcher: free text in, the intents
heard (with their scores and confidence) out. `Matcher` is one; tests and tools may bring
their own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Protocol

CONFIDENT: Final = "confident"
UNSURE: Final = "unsure"  # heard, but not surely: the caller asks; an assessor decides


class MatchLike(Protocol):
    @property
    def intents(self) -> tuple[str, ...]: ...
    @property
    def scores(self) -> dict[str, float]: ...
    @property
    def bands(self) -> Mapping[str, str]:
        """Each intent's confidence band, CONFIDENT or UNSURE (an intent not here is confident)."""
        ...


class IntentMatcher(Protocol):
    def match(self, text: str) -> MatchLike: ...
