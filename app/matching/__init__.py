"""Free text -> intents: normalisation, clause splitting and matching (pure Python, no Qt)."""

from app.matching.matcher import DEFAULT_THRESHOLD, Matcher, MatchResult
from app.matching.protocol import CONFIDENT, UNSURE, IntentMatcher, MatchLike
from app.text import normalise

__all__ = [
    "CONFIDENT", "DEFAULT_THRESHOLD", "UNSURE", "IntentMatcher", "MatchLike", "MatchResult",
    "Matcher", "normalise",
]  # fmt: skip
