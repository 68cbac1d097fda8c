"""Free text -> intents: normalisation, clause splitting, the intent library and the matcher
(pure Python and numpy, no Qt)."""

from app.matching.explain import Explanation, format_explanation
from app.matching.library import IntentLibrary, LibraryError, load_library, merge_intents
from app.matching.matcher import DEFAULT_THRESHOLD, Matcher, MatchResult
from app.matching.normalise import normalise

__all__ = [
    "DEFAULT_THRESHOLD",
    "Explanation",
    "IntentLibrary",
    "LibraryError",
    "MatchResult",
    "Matcher",
    "format_explanation",
    "load_library",
    "merge_intents",
    "normalise",
]
