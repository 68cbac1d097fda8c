"""What the engine, the studio and the services need of a matcher: free text in, the intents
heard (with their scores) out. `Matcher` is one; tests and tools may bring their own."""

from __future__ import annotations

from typing import Protocol


class MatchLike(Protocol):
    @property
    def intents(self) -> tuple[str, ...]: ...
    @property
    def scores(self) -> dict[str, float]: ...


class IntentMatcher(Protocol):
    def match(self, text: str) -> MatchLike: ...
