"""Features for comparing short texts: light stems and character trigrams, IDF-weighted.

Everything here is deterministic: features are kept in sorted lists (never iterated from a
set), so sums of floats always happen in the same order whatever the hash seed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

NUM = "#num"  # every long number is the same word: phone numbers and years look alike


def stem(word: str) -> str:
    """A light stem: plurals and the commonest suffixes off, so word families meet.

    injury, injuries, injured -> injur; pictures, picture -> pictur; names, named -> nam.
    """
    if sum(ch.isdigit() for ch in word) >= 4:
        return NUM
    if len(word) <= 3:
        return word
    w = word
    if w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("ies") and len(w) > 4:
        w = w[:-3]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix in ("ness", "ment", "ion", "ing", "ly", "ed"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            if suffix == "ed" and w.endswith("eed"):
                break
            w = w[: -len(suffix)]
            break
    if len(w) > 3 and w[-1] in "ey":
        w = w[:-1]
    return w


def word_features(words: Sequence[str]) -> list[str]:
    return sorted({stem(w) for w in words})


def char_features(words: Sequence[str]) -> list[str]:
    grams: set[str] = set()
    for w in words:
        if stem(w) == NUM:
            continue
        padded = f" {w} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return sorted(grams)


@dataclass(frozen=True)
class Vector:
    """A sparse vector: features (sorted) with their weights, and its length."""

    features: tuple[tuple[str, float], ...]
    norm: float


class Idf:
    """Inverse document frequency where a "document" is a class (an intent, or "none").

    A word used by every intent says nothing about which one was meant; a word only one
    intent uses says a lot. Features never seen get the weight of a one-class feature, scaled
    by `unseen`, so off-topic words (names, places) pull a text away from every class.
    """

    def __init__(self, classes: Iterable[Iterable[str]], unseen: float = 1.0) -> None:
        df: dict[str, int] = {}
        n = 0
        for feats in classes:
            n += 1
            for f in sorted(set(feats)):
                df[f] = df.get(f, 0) + 1
        self._n = max(n, 1)
        self._weights = {f: self._idf(c) for f, c in sorted(df.items())}
        self._unseen = self._idf(1) * unseen

    def _idf(self, df: int) -> float:
        return math.log((self._n + 1) / (df + 0.5))

    def weight(self, feature: str) -> float:
        return self._weights.get(feature, self._unseen)

    def vector(self, features: Sequence[str]) -> Vector:
        pairs = tuple((f, self.weight(f)) for f in features)
        return Vector(pairs, math.sqrt(math.fsum(w * w for _, w in pairs)))


class Index:
    """An inverted index of row vectors, for cosine similarity of one query against all rows."""

    def __init__(self, rows: Sequence[Vector]) -> None:
        postings: dict[str, list[tuple[int, float]]] = {}
        for i, vec in enumerate(rows):
            for f, w in vec.features:
                postings.setdefault(f, []).append((i, w))
        self._postings = postings
        self._norms = [vec.norm for vec in rows]

    def cosines(self, query: Vector) -> list[float]:
        out = [0.0] * len(self._norms)
        if query.norm == 0.0:
            return out
        for f, wq in query.features:
            for i, wr in self._postings.get(f, ()):
                out[i] += wq * wr
        for i, norm in enumerate(self._norms):
            if out[i]:
                out[i] /= query.norm * norm
        return out
