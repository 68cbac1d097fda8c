"""Free text -> intents: the trainee's typed line, matched against a scenario's intents.

How a line is matched (see docs/scenario-format.md, *Intents*):

1. The line is split into clauses (punctuation, then joining words such as "and") and each
   clause is normalised (case, punctuation, typos, text-speak).
2. Each clause is compared with every reference phrase: the intents' `examples`, their `not`
   examples, and the shipped "none of these" phrases (`data/none.txt`). Similarity is a blend
   of IDF-weighted cosines over light word stems and character trigrams (the trigrams forgive
   typos the table does not know). An intent's example score is its nearest example.
3. A `patterns` hit is a strong match: the score becomes at least `PATTERN_SCORE`.
4. An intent whose nearest `not` example is closer than its nearest example is blocked in that
   clause. If the nearest none-phrase scores at least as high as the best remaining intent
   (pattern floor included), the clause matches nothing.
5. The best intent at or above the threshold is taken, with every other pattern hit. The words
   the taken intents did not explain are matched again (at a higher bar), so "thanks for
   telling us I'll make sure it's investigated" gives two intents without a comma. If a
   split at a joining word leaves no part matching anything, the unsplit piece is tried.

Nothing is random and nothing depends on hash order: the same line always gives the same
result.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from app.matching.clauses import pieces, split_conjunctions
from app.matching.features import Idf, Index, char_features, stem, word_features
from app.scenario.model import Intent, Pattern
from app.text import data_lines, tokens

DEFAULT_THRESHOLD = 0.45
PATTERN_SCORE = 0.85  # a keyword pattern hit scores at least this
WORD_WEIGHT = 0.7  # share of the word-stem cosine in the blend (the rest: character trigrams)
UNSEEN_WEIGHT = 0.7  # IDF weight of a feature no class uses, relative to a one-class feature
NOT_MIN = 0.3  # a `not` example less similar than this blocks nothing, however weak the intent
RESIDUAL_MARGIN = 0.25  # the leftover words of a clause need threshold + this to match
RESIDUAL_MIN_WORDS = 2  # ...and at least this many content words
MAX_PER_CLAUSE = 3
REPORT_MIN = 0.25  # scores at or above this are reported even for intents not found

_EX, _NOT, _NONE = 0, 1, 2


@dataclass(frozen=True)
class MatchResult:
    text: str
    intents: tuple[str, ...]
    scores: dict[str, float]
    clauses: tuple[str, ...]
    bands: dict[str, str] = field(default_factory=dict)  # id -> band; absent: confident


@dataclass(frozen=True)
class _Row:
    kind: int
    intent: int  # index into Matcher ids; -1 for a none-phrase
    stems: frozenset[str]


@dataclass(frozen=True)
class _Rule:
    intent: int
    any: tuple[str, ...]  # stemmed phrases, each padded with spaces: " collar number "
    all: tuple[str, ...]

    def hit(self, padded: str) -> tuple[str, ...] | None:
        """The phrases that matched, or None if the rule does not hold on `padded`."""
        if not self.any and not self.all:
            return None
        found = tuple(p for p in self.any if p in padded)
        if self.any and not found:
            return None
        if any(p not in padded for p in self.all):
            return None
        return found + self.all


@dataclass
class _Scores:
    score: list[float]  # per intent: max(example score, pattern floor)
    example: list[float]  # per intent: nearest example
    best_row: list[int]  # per intent: the row of that nearest example (-1: none)
    blocked: list[bool]  # per intent: a `not` example is closer
    hits: list[tuple[str, ...] | None]  # per intent: pattern phrases matched
    none: float  # nearest none-phrase


def _phrase(text: str) -> str:
    return " " + " ".join(stem(w) for w in tokens(text)) + " "


def _rule(intent: int, pattern: Pattern) -> _Rule:
    return _Rule(
        intent,
        tuple(p for p in (_phrase(t) for t in pattern.any) if p.strip()),
        tuple(p for p in (_phrase(t) for t in pattern.all) if p.strip()),
    )


class Matcher:
    """Matches trainee text to a scenario's intents. Build once per scenario; `match` is fast."""

    def __init__(self, intents: Iterable[Intent], threshold: float = DEFAULT_THRESHOLD) -> None:
        intent_list = list(intents)
        self._ids: tuple[str, ...] = tuple(i.id for i in intent_list)
        if len(set(self._ids)) != len(self._ids):
            raise ValueError("duplicate intent ids")
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        self.threshold = threshold
        self._function_words = frozenset(data_lines("function_words.txt", "app.matching"))

        texts: list[list[str]] = []
        rows: list[_Row] = []

        def add(kind: int, intent: int, text: str) -> None:
            words = tokens(text)
            if words:
                texts.append(words)
                rows.append(_Row(kind, intent, frozenset(stem(w) for w in words)))

        self._rules: list[_Rule] = []
        for n, intent in enumerate(intent_list):
            for text in intent.examples:
                add(_EX, n, text)
            for text in intent.not_examples:
                add(_NOT, n, text)
            self._rules.extend(_rule(n, p) for p in intent.patterns)
        for text in data_lines("none.txt", "app.matching"):
            add(_NONE, -1, text)
        self._rows = rows

        # IDF classes: one per intent (its examples and pattern words) and one for none.
        n_classes = len(intent_list) + 1
        class_words: list[list[str]] = [[] for _ in range(n_classes)]
        class_chars: list[list[str]] = [[] for _ in range(n_classes)]
        for row, words in zip(rows, texts, strict=True):
            if row.kind == _NOT:
                continue
            c = row.intent if row.kind == _EX else n_classes - 1
            class_words[c].extend(word_features(words))
            class_chars[c].extend(char_features(words))
        for n, intent in enumerate(intent_list):
            for p in intent.patterns:
                words = [w for t in (*p.any, *p.all) for w in tokens(t)]
                class_words[n].extend(word_features(words))
                class_chars[n].extend(char_features(words))
        self._idf_w = Idf(class_words, UNSEEN_WEIGHT)
        self._idf_c = Idf(class_chars, UNSEEN_WEIGHT)
        self._index_w = Index([self._idf_w.vector(word_features(w)) for w in texts])
        self._index_c = Index([self._idf_c.vector(char_features(w)) for w in texts])

    @property
    def intent_ids(self) -> tuple[str, ...]:
        return self._ids

    def match(self, text: str) -> MatchResult:
        found: list[tuple[int, float, str]] = []  # (clause, -score, id) for sorting
        best: dict[str, float] = {}
        clauses: list[str] = []
        for piece in pieces(text):
            parts = split_conjunctions(piece)
            taken = [self._clause(p, best) for p in parts]
            if len(parts) > 1 and not any(taken):
                # Splitting may have cut one phrase in two ("was it just her and her mum").
                parts, taken = [piece], [self._clause(piece, best)]
            for part, got in zip(parts, taken, strict=True):
                n = len(clauses)
                clauses.append(" ".join(part))
                found.extend((n, -score, self._ids[i]) for i, score in got)

        intents: list[str] = []
        for _, _, intent_id in sorted(found):
            if intent_id not in intents:
                intents.append(intent_id)
        scores = {i: round(best[i], 3) for i in intents}
        others = sorted((-s, i) for i, s in best.items() if i not in scores and s >= REPORT_MIN)
        scores.update((i, round(-s, 3)) for s, i in others)
        return MatchResult(text, tuple(intents), scores, tuple(clauses))

    def _clause(self, words: Sequence[str], best: dict[str, float]) -> list[tuple[int, float]]:
        """The intents taken in one clause, with their scores; `best` collects all scores."""
        taken: list[tuple[int, float]] = []
        exclude: set[int] = set()
        threshold = self.threshold
        remaining = list(words)
        if all(w in self._function_words for w in words):
            # "now", "right then": a clause of function words carries no meaning of its own,
            # so only an explicit pattern may claim it, never similarity to an example.
            s = self._score(remaining)
            hits = [
                (i, sc)
                for i, sc in enumerate(s.score)
                if s.hits[i] is not None and not s.blocked[i] and sc >= threshold
            ]
            chosen = sorted(hits, key=lambda h: (-h[1], self._ids[h[0]]))[:1]
            for i, sc in chosen:
                best[self._ids[i]] = max(best.get(self._ids[i], 0.0), sc)
            return chosen
        while len(taken) < MAX_PER_CLAUSE:
            s = self._score(remaining)
            new = self._take(s, exclude, threshold)
            # Report every score of the whole clause, but only what was taken from leftovers.
            reported = enumerate(s.score) if not taken else iter(new)
            for i, score in reported:
                if score > best.get(self._ids[i], 0.0):
                    best[self._ids[i]] = score
            if not new:
                break
            taken.extend(new)
            explained: set[str] = set()
            for i, _ in new:
                exclude.add(i)
                if s.best_row[i] >= 0:
                    explained |= self._rows[s.best_row[i]].stems
                for phrase in s.hits[i] or ():
                    explained.update(phrase.split())
            remaining = [w for w in remaining if stem(w) not in explained]
            content = [w for w in remaining if w not in self._function_words]
            if len(content) < RESIDUAL_MIN_WORDS:
                break
            threshold = self.threshold + RESIDUAL_MARGIN
        return taken

    def _take(self, s: _Scores, exclude: set[int], threshold: float) -> list[tuple[int, float]]:
        ranked = sorted(
            (-score, self._ids[i], i)
            for i, score in enumerate(s.score)
            if i not in exclude and not s.blocked[i]
        )
        if not ranked or s.none >= -ranked[0][0]:
            return []  # nothing, or closer to a none-phrase than to any intent
        ranked = [r for r in ranked if -r[0] >= threshold]
        if not ranked:
            return []
        top = ranked[0][2]
        return [(i, -neg) for neg, _, i in ranked if i == top or s.hits[i] is not None]

    def _score(self, words: Sequence[str]) -> _Scores:
        n = len(self._ids)
        out = _Scores([0.0] * n, [0.0] * n, [-1] * n, [False] * n, [None] * n, 0.0)
        if not words:
            return out
        nots = [0.0] * n
        for r, sim in enumerate(self._similarities(words)):
            row = self._rows[r]
            if row.kind == _EX:
                if sim > out.example[row.intent]:
                    out.example[row.intent] = sim
                    out.best_row[row.intent] = r
            elif row.kind == _NOT:
                nots[row.intent] = max(nots[row.intent], sim)
            else:
                out.none = max(out.none, sim)
        padded = " " + " ".join(stem(w) for w in words) + " "
        for rule in self._rules:
            found = rule.hit(padded)
            if found is not None:
                i = rule.intent
                out.hits[i] = (out.hits[i] or ()) + found
        for i in range(n):
            ex = out.example[i]
            score = ex
            if out.hits[i] is not None:
                score = PATTERN_SCORE + (1.0 - PATTERN_SCORE) * ex
            out.score[i] = min(1.0, score)
            out.blocked[i] = nots[i] >= NOT_MIN and nots[i] > ex
        return out

    def _similarities(self, words: Sequence[str]) -> list[float]:
        cw = self._index_w.cosines(self._idf_w.vector(word_features(words)))
        cc = self._index_c.cosines(self._idf_c.vector(char_features(words)))
        a = WORD_WEIGHT
        return [a * w + (1.0 - a) * c for w, c in zip(cw, cc, strict=True)]
