"""Lines said to someone other than the caller.

A call handler sits among colleagues, and a trainee types what they say to them too: "jen,
what's the collar number of the officer on the desk", "lock the door on your way out, kev",
"cheers dave". Such a sentence shares words with call-handling moves (collar number, lock the
door) but is said to a colleague, so it expresses no move to the caller. It is recognised by
its form: it is addressed by name (a common given name, `data/first_names.txt`, or a word for
a group of colleagues, "sarge", "everyone") to someone who is not one of the call's people
(the caller, and anyone the caller's lines name: `Matcher(people=...)`), at the start ("jen,
...", "jen what's ..."), at the end after a comma ("..., kev"), or after a thanks or a
greeting ("cheers dave", "bye everyone"). A name inside a sentence ("where's dave gone") is
talk about someone, not to them, and is left to the classifier. Chosen on the tune and dev
sets (docs/matching.md section 5e).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from app.text import data_lines

# Words for a group of colleagues, or a colleague's rank, used to address them.
GROUP = frozenset(
    {
        "sarge",
        "sergeant",
        "guys",
        "everyone",
        "everybody",
        "lads",
        "folks",
        "team",
        "boss",
        "gaffer",
    }
)
# Words after which a name is the person addressed ("cheers dave", "bye everyone").
_GREETING = frozenset(
    {"thanks", "thank", "cheers", "ta", "bye", "night", "morning", "hiya", "hi", "hey", "oi"}
)
# Words that start a question or a request after a name without a comma ("jen whats ...").
_OPENERS = frozenset(
    {
        "what", "whats", "what's", "where", "wheres", "where's", "who", "whos", "who's", "how",
        "hows", "how's", "when", "why", "which", "can", "could", "would", "will", "do", "did",
        "does", "have", "has", "is", "are", "you", "your", "ur", "u", "pass", "give", "grab",
        "put", "lock", "dont", "don't", "go", "make", "get", "thanks", "cheers", "any", "fancy",
    }
)  # fmt: skip
_SENTENCE = re.compile(r"(?<=[.?!;])\s+|\n+")
_PART = re.compile(r",|\s[-\u2013\u2014]+\s|:")
_WORD = re.compile(r"[a-z0-9']+")


@cache
def first_names() -> frozenset[str]:
    return frozenset(data_lines("first_names.txt", "app.matching"))


def people_in(texts: Iterable[str]) -> frozenset[str]:
    """The given names that occur in `texts` (a scenario's caller name and lines)."""
    names = first_names()
    return frozenset(w for t in texts for w in _words(t) if w in names)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def sentences(text: str) -> list[str]:
    """`text` cut at sentence ends; every character except the cutting spaces is kept."""
    return [s for s in _SENTENCE.split(text) if s.strip()]


class Addressee:
    """Who a sentence is addressed to, when that is someone outside the call."""

    def __init__(self, people: Iterable[str] = ()) -> None:
        self.people = frozenset(w for p in people for w in _words(p))

    def _other(self, word: str) -> bool:
        return word not in self.people and (word in first_names() or word in GROUP)

    def elsewhere(self, sentence: str) -> str | None:
        """The name `sentence` is addressed to if that is not one of the call's people."""
        words = _words(sentence)
        if not words:
            return None
        parts = [_words(p) for p in _PART.split(sentence)]
        parts = [p for p in parts if p]
        for part in parts:  # "..., jen, ..." or "cheers dave, ..."
            core = [w for w in part if w not in _GREETING]
            if len(parts) > 1 and len(core) == 1 and self._other(core[0]):
                return core[0]
        first = words[0]
        if self._other(first) and len(words) > 1 and words[1] in _OPENERS:
            return first  # "jen whats the collar number ..."
        last = words[-1]
        if self._other(last) and len(words) > 1 and words[-2] in _GREETING:
            return last  # "cheers dave"
        return None
