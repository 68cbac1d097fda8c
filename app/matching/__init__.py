"""Free text -> intents: normalisation, clause splitting, the intent library and the matcher
(pure Python and numpy, no Qt)."""

from app.matching.explain import Explanation, format_explanation
from app.matching.matcher import DEFAULT_THRESHOLD, Matcher, MatchResult
from app.matching.protocol import CONFIDENT, UNSURE, IntentMatcher, MatchLike
from app.text import normalise

__all__ = [
    "CONFIDENT", "DEFAULT_THRESHOLD", "UNSURE", "Explanation", "IntentMatcher", "MatchLike",
    "MatchResult", "Matcher", "format_explanation", "normalise",
]  # fmt: skip
