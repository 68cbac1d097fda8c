"""Splitting one trainee line into clauses, so that one turn can carry several intents."""

from __future__ import annotations

import re

from app.text import tokens

# Sentence punctuation, commas, brackets and dashes between words end a clause. A full stop
# followed by a digit does not ("10.30").
_BREAK = re.compile(r"[!?;:,()\[\]\n\r]+|\.(?!\d)|\s[-\u2013\u2014]+\s|\s/\s")

# Words that join two clauses. A line is split at them only when both sides have at least
# MIN_SIDE words, so "name and number" or "thanks and bye" stay together.
CONJUNCTIONS = frozenset({"and", "but", "also", "then", "plus"})
MIN_SIDE = 3


def pieces(text: str) -> list[list[str]]:
    """The normalised words of each punctuation-delimited piece of `text` (empty ones dropped)."""
    out = []
    for piece in _BREAK.split(text):
        words = tokens(piece)
        if words:
            out.append(words)
    return out


def split_conjunctions(words: list[str]) -> list[list[str]]:
    """Split a piece at joining words when both sides are long enough to be clauses."""
    chunks: list[list[str]] = [[]]
    seps: list[list[str]] = []
    for word in words:
        if word in CONJUNCTIONS:
            if seps and not chunks[-1]:  # "and then": one separator
                seps[-1].append(word)
            else:
                seps.append([word])
                chunks.append([])
        else:
            chunks[-1].append(word)
    out = [chunks[0]]
    for sep, chunk in zip(seps, chunks[1:], strict=True):
        if len(out[-1]) >= MIN_SIDE and len(chunk) >= MIN_SIDE:
            out.append(chunk)
        else:
            out[-1] = out[-1] + sep + chunk
    return [c for c in (_trim(c) for c in out) if c]


def _trim(words: list[str]) -> list[str]:
    """Drop joining words left dangling at either end ("and then what happened")."""
    start, end = 0, len(words)
    while start < end and words[start] in CONJUNCTIONS:
        start += 1
    while end > start and words[end - 1] in CONJUNCTIONS:
        end -= 1
    return words[start:end]


def split_clauses(text: str) -> list[list[str]]:
    """All clauses of `text`, each as its list of normalised words."""
    return [clause for piece in pieces(text) for clause in split_conjunctions(piece)]
