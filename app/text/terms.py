"""Looking for a word in an incident log the way a person reads one: "cop", "PC" and
"copper" all say *officer*; "pics", "photos" and "nudes" all say *picture*.

The table is data (`data/log_terms.txt`). `log_mentions(text, words)` is what a rubric's
`contains_any` uses: each wanted word (or phrase) is looked for as itself, as any of its
synonyms, with plurals and text-speak folded, on word boundaries.
"""

from __future__ import annotations

from functools import cache

from app.text.normalise import data_lines, normalise


def fold(word: str) -> str:
    """A word's plural folded to its singular, roughly ("pictures" -> "picture")."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _phrase(text: str) -> tuple[str, ...]:
    return tuple(fold(w) for w in normalise(text).split())


@cache
def _groups() -> dict[tuple[str, ...], frozenset[tuple[str, ...]]]:
    """Each phrase (folded words) -> every phrase of its group, itself included."""
    out: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
    for line in data_lines("log_terms.txt"):
        head, sep, rest = line.partition(":")
        if not sep or not head.strip():
            raise ValueError(f"log_terms.txt: bad line {line!r} (want: term: other, other)")
        group = {_phrase(head), *(_phrase(x) for x in rest.split(",") if x.strip())}
        group.discard(())
        for phrase in group:
            out.setdefault(phrase, set()).update(group)
    return {k: frozenset(v) for k, v in out.items()}


def _has(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(words[i : i + n] == phrase for i in range(len(words) - n + 1))


def log_mentions(text: str, wanted: tuple[str, ...] | list[str]) -> bool:
    """Whether `text` says any of `wanted` (words or phrases), synonyms included."""
    words = _phrase(text)
    if not words:
        return False
    groups = _groups()
    for item in wanted:
        phrase = _phrase(item)
        if phrase and any(_has(words, p) for p in groups.get(phrase, frozenset({phrase}))):
            return True
    return False
