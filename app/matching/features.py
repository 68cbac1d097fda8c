"""What the matcher sees of a clause: light word stems, word pairs, character n-grams, pattern
evidence and an embedding, with negation marked.

Negation: after "not", "never", "no" or "without" (the normaliser has already turned "don't"
into "do not"), every later word of the clause is *negated*: its stem and the pairs it ends
are different features ("!go" is not "go"), so "don't go round there" does not resemble
"go round there". Character n-grams are not marked: they are there to forgive typos.

Everything is deterministic: features are produced in a fixed order and never iterated from a
set, so sums of floats always happen in the same order whatever the hash seed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from app.scenario.model import Pattern

NUM = "#num"  # every long number is the same word: phone numbers and years look alike
NEGATION_CUES = frozenset({"not", "never", "no", "nobody", "nothing", "without", "cannot"})
NEGATION_END = frozenset({"but", "instead", "unless", "until"})


@lru_cache(maxsize=1 << 16)
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


def negated(words: Sequence[str]) -> list[bool]:
    """Which words are in the scope of a negation (the cue itself is not)."""
    out = []
    scope = False
    for w in words:
        if w in NEGATION_END:
            scope = False
        out.append(scope)
        if w in NEGATION_CUES:
            scope = True
    return out


@dataclass(frozen=True)
class Rule:
    """One pattern of one intent, compiled to stemmed phrases (tuples of stems)."""

    intent: int
    any: tuple[tuple[str, ...], ...]
    all: tuple[tuple[str, ...], ...]
    ordered: bool = False
    near: int | None = None

    def phrases(self) -> tuple[tuple[str, ...], ...]:
        return self.any + self.all

    def hit(self, found: Mapping[tuple[str, ...], list[int]]) -> int | None:
        """Where the rule's evidence starts (a word index), or None if it fails. `found`:
        every phrase present in the clause -> the word indices where it starts."""
        first: int | None = None
        if self.any:
            starts = [s for p in self.any for s in found.get(p, ())]
            if not starts:
                return None
            first = min(starts)
        if self.all:
            at = _all_spans([found.get(p, []) for p in self.all], self.all, self.ordered, self.near)
            if at is None:
                return None
            first = at if first is None else min(first, at)
        return first


class PhraseIndex:
    """Finds every pattern phrase in a clause in one pass (phrases indexed by first stem)."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        by_first: dict[str, set[tuple[str, ...]]] = {}
        rules_of: dict[tuple[str, ...], list[int]] = {}
        for n, rule in enumerate(rules):
            for p in rule.phrases():
                by_first.setdefault(p[0], set()).add(p)
                if n not in rules_of.setdefault(p, []):
                    rules_of[p].append(n)
        self._by_first = {k: sorted(v) for k, v in sorted(by_first.items())}
        self._rules = tuple(rules)
        self._rules_of = rules_of

    def hits(self, stems: Sequence[str]) -> list[tuple[int, int]]:
        """(intent, first word of the evidence) of every rule that holds, in rule order."""
        found = self.find(stems)
        if not found:
            return []
        candidates = sorted({n for p in found for n in self._rules_of[p]})
        out = []
        for n in candidates:
            at = self._rules[n].hit(found)
            if at is not None:
                out.append((self._rules[n].intent, at))
        return out

    def find(self, stems: Sequence[str]) -> dict[tuple[str, ...], list[int]]:
        found: dict[tuple[str, ...], list[int]] = {}
        for i, s in enumerate(stems):
            for p in self._by_first.get(s, ()):
                if tuple(stems[i : i + len(p)]) == p:
                    found.setdefault(p, []).append(i)
        return found


def _all_spans(
    found: list[list[int]], phrases: tuple[tuple[str, ...], ...], ordered: bool, near: int | None
) -> int | None:
    """The first word of the earliest placement of every phrase that satisfies the order and
    nearness conditions, or None. `found[k]`: where phrase k starts."""
    if any(not f for f in found):
        return None
    if not ordered and near is None:
        return min(min(f) for f in found)
    best: int | None = None

    def place(k: int, chosen: list[tuple[int, int]]) -> None:
        nonlocal best
        if k == len(phrases):
            lo = min(s for s, _ in chosen)
            hi = max(e for _, e in chosen)
            if near is not None and hi - lo - sum(e - s for s, e in chosen) > near:
                return
            if best is None or lo < best:
                best = lo
            return
        for s in found[k]:
            e = s + len(phrases[k])
            if ordered and chosen and s < chosen[-1][1]:
                continue
            place(k + 1, [*chosen, (s, e)])

    place(0, [])
    return best


def compile_rule(intent: int, pattern: Pattern, stems_of: Callable[[str], list[str]]) -> Rule:
    def phrases(texts: Sequence[str]) -> tuple[tuple[str, ...], ...]:
        out = [tuple(stems_of(t)) for t in texts]
        return tuple(p for p in out if p)

    return Rule(intent, phrases(pattern.any), phrases(pattern.all), pattern.ordered, pattern.near)


def word_features(stems: Sequence[str], neg: Sequence[bool]) -> list[str]:
    out = []
    for s, n in zip(stems, neg, strict=True):
        out.append(("w!" if n else "w:") + s)
    return out


def pair_features(stems: Sequence[str], neg: Sequence[bool]) -> list[str]:
    out = []
    prev = "^"
    for s, n in zip(stems, neg, strict=True):
        out.append(("b!" if n else "b:") + prev + " " + s)
        prev = s
    if stems:
        out.append("b:" + prev + " $")
    return out


def char_features(words: Sequence[str], sizes: tuple[int, ...]) -> list[str]:
    grams: list[str] = []
    for w in words:
        grams.extend(_word_grams(w, sizes))
    return grams


@lru_cache(maxsize=1 << 16)
def _word_grams(word: str, sizes: tuple[int, ...]) -> tuple[str, ...]:
    if stem(word) == NUM:
        return ("c:" + NUM,)
    padded = f"<{word}>"
    return tuple("c:" + padded[i : i + n] for n in sizes for i in range(len(padded) - n + 1))


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


RARE = 2  # a training word used at most this often may itself be a typo ("any weapns")...
COMMON = 5  # ... when a word one edit away is used at least this (and ten times as) often


class Corrector:
    """Typos fixed against the training words: a word the word vectors do not know, that the
    training lines never use (or use at most RARE times, as a typo example does, while a word
    one edit away is used far more), is replaced by the commonest training word one edit away
    (a letter dropped, added, changed, or two letters swapped; only a swap for three-letter
    words). "weapns" -> "weapons", "hwo" -> "who"; "dave" (a known word) is left alone.
    Training lines are corrected the same way, so a typo example teaches its word."""

    def __init__(self, counts: Mapping[str, int], known: Callable[[str], bool]) -> None:
        self._counts = dict(counts)
        self._known = known
        self._cache: dict[str, str] = {}

    def __call__(self, word: str) -> str:
        got = self._cache.get(word)
        if got is None:
            got = self._cache[word] = self._fix(word)
        return got

    def _fix(self, word: str) -> str:
        if len(word) < 3 or not word.isalpha() or self._known(word):
            return word
        have = self._counts.get(word, 0)
        if have > RARE:
            return word
        best, best_count = word, 0
        for cand in sorted(_edits(word)):
            c = self._counts.get(cand, 0)
            if c > best_count:
                best, best_count = cand, c
        if have and best_count < max(COMMON, 10 * have):
            return word  # a rare training word with no much commoner neighbour: a real word
        return best


def _edits(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    if len(word) <= 3:
        return swaps
    deletes = {a + b[1:] for a, b in splits if b}
    changes = {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    inserts = {a + c + b for a, b in splits for c in _LETTERS}
    return swaps | deletes | changes | inserts
