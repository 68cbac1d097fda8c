"""Free text -> intents: normalisation, clause splitting and matching (pure Python, no Qt)."""

from app.matching.matcher import DEFAULT_THRESHOLD, Matcher, MatchResult
from app.matching.protocol import IntentMatcher, MatchLike
from app.text import normalise

__all__ = ["DEFAULT_THRESHOLD", "IntentMatcher", "MatchLike", "MatchResult", "Matcher", "normalise"]
