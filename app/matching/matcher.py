"""Free text -> intents: the trainee's typed line, matched against a scenario's intents.

How a line is decided (docs/matching.md has the whole story and the measurements):

1. The line is split into clauses at punctuation, then at joining words ("and", "but") when
   both sides are long enough; each clause is normalised (case, punctuation, contractions,
   text-speak) and its typos are fixed against the words the examples use.
2. Each clause is scored by a classifier trained at load on the intents (classifier.py):
   one probability per intent and one for *none*. Patterns are evidence among the features
   (a pattern hit is a feature whose weight training learns), never a floor; words after a
   negation ("don't", "never", "no need to") are different features.
3. The best intent of the clause is taken when its probability reaches the intent's bar
   (`Intent.threshold`, else the matcher's), is at least twice the *none* probability, the
   clause is not a near copy of a `not` line, off-topic line or generic negative that is
   closer than the intent's nearest example, and the clause is not function words alone
   (unless a pattern of the intent matches). If it fails, the next best is tried. A clause
   with "and" in it whose parts each clearly mean a different intent gives both.
4. Each intent found has a band: `confident` when its probability reaches the confident bar,
   else `unsure`; the line is unsure when any intent found is. Below the lower bar there is
   nothing.

Nothing is random and nothing depends on hash order: the same line always gives the same
result, in any process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from app.matching import trained as tm
from app.matching.addressee import Addressee, sentences
from app.matching.classifier import Settings, softmax
from app.matching.clauses import CONJUNCTIONS, pieces, split_conjunctions
from app.matching.explain import Candidate, ClauseExplanation, Explanation, Nearest
from app.matching.features import Rule, compile_rule, stem
from app.matching.hedges import FRAMES
from app.matching.vectors import WordVectors, shipped_vectors
from app.scenario.model import Intent
from app.text import data_lines, tokens

F32 = npt.NDArray[np.float32]
DEFAULT_THRESHOLD = 0.05
CONFIDENT = 0.8  # a found intent at or above this probability is confident, else unsure
NONE_RATIO = 2.0  # an intent is taken only when p(intent) >= NONE_RATIO * p(none)
BLOCK = 0.9  # a negative at least this similar, and closer than every example, blocks
VETO = 0.0  # the nearest example must be at least this similar (0: no veto)
SPLIT = 0.6  # "a and b": both parts at this probability, different intents -> both
REPORT_MIN = 0.05  # other intents' probabilities reported in `scores` from this
CANDIDATES = 4  # candidates tried per clause, and listed in an explanation
SHORT = 3  # a punctuation piece of fewer words that means nothing alone joins its neighbour
SPLIT_WORDS = frozenset({*CONJUNCTIONS, "or", "n"})


@dataclass(frozen=True)
class MatchResult:
    text: str
    intents: tuple[str, ...]
    scores: dict[str, float]
    clauses: tuple[str, ...]
    bands: dict[str, str] = field(default_factory=dict)  # id -> "confident" | "unsure"
    unsure: bool = False  # some intent found is only `unsure`


@dataclass(frozen=True)
class Bars:
    """The decision's bars (chosen on the tune set; docs/matching.md)."""

    confident: float = CONFIDENT
    none_ratio: float = NONE_RATIO
    block: float = BLOCK
    veto: float = VETO
    split: float = SPLIT


@dataclass(frozen=True)
class _Clause:
    """One clause scored: everything the decision and the explanation need."""

    words: tuple[str, ...]  # after typo correction
    prob: F32  # per intent
    none: float
    sims: F32  # per reference row
    hits: frozenset[int]  # intents with a pattern hit (not negated)


@dataclass(frozen=True)
class _Taken:
    intent: int
    prob: float
    band: str


_Scored = tuple[list[_Taken], list[tuple[_Clause, str]]]  # a clause's intents and units
_ClauseFn = Callable[[list[str]], _Scored]
# A clause as heard: its words, what was taken, the units scored, a note on the whole clause
_Heard = tuple[str, list[_Taken], list[tuple[_Clause, str]], str]


def _stems(text: str) -> list[str]:
    return [stem(w) for w in tokens(text)]


class Matcher:
    """Matches trainee text to a scenario's intents. Build once per scenario; `match` is fast.

    `intents`: the scenario's intents (library merged in: `library.merge_intents`);
    `threshold`: the default lower bar (an intent's own `threshold` wins); `off_topic`: the
    scenario's near-miss lines, heard as nothing; `names`: the names of the scenario's people
    (the caller's, say), so that "bye for now Danny" reads as "bye for now" and a name is not
    taken for an unknown word (generic negatives teach that lines to colleagues by name are
    not call handling); `people`: the given names of everyone in the call (those the caller's
    lines name), so that a sentence addressed by name to anyone else ("jen, what's the collar
    number of the officer on the desk") is heard as said to a colleague, i.e. as nothing
    (`addressee`); `negatives`: generic lines heard as nothing
    (None: the shipped generic negatives); `cache_dir`: where the trained classifier may be
    kept between runs (None: train every time).
    """

    def __init__(
        self,
        intents: Iterable[Intent],
        threshold: float = DEFAULT_THRESHOLD,
        *,
        off_topic: Sequence[str] = (),
        names: Sequence[str] = (),
        people: Sequence[str] = (),
        negatives: Sequence[str] | None = None,
        cache_dir: Path | None = None,
        settings: Settings | None = None,
        bars: Bars | None = None,
        vectors: WordVectors | None = None,
    ) -> None:
        intent_list = list(intents)
        self._intents = tuple(intent_list)
        self._options = (
            threshold,
            tuple(off_topic),
            tuple(names),
            tuple(people),
            negatives,
            settings,
            bars,
            vectors,
        )
        self._ids: tuple[str, ...] = tuple(i.id for i in intent_list)
        if len(set(self._ids)) != len(self._ids):
            raise ValueError("duplicate intent ids")
        if not 0.0 < threshold < 1.0:
            raise ValueError("threshold must be in (0, 1)")
        for i in intent_list:
            if i.threshold is not None and not 0.0 < i.threshold < 1.0:
                raise ValueError(f"threshold of '{i.id}' must be in (0, 1)")
        self.threshold = threshold
        self._addressee = Addressee([*names, *people])
        self.settings = s = settings or Settings()
        self.bars = bars or Bars()
        if negatives is None:
            from app.scenario.library import generic_negatives

            negatives = generic_negatives()
        if vectors is None and s.use_vectors:
            vectors = shipped_vectors()
        self._bar = np.array(
            [i.threshold if i.threshold is not None else threshold for i in intent_list],
            dtype=np.float32,
        )
        rules: list[Rule] = []
        for n, intent in enumerate(intent_list):
            rules.extend(compile_rule(n, p, _stems) for p in intent.patterns)
        function_words = frozenset(data_lines("function_words.txt", "app.matching"))
        self._function_words = function_words
        name_words = frozenset(w for n in names for w in tokens(n))
        self._name_words = name_words
        key = tm.cache_key(
            intent_list,
            negatives,
            off_topic,
            s,
            vectors,
            [*sorted(function_words), "|", *sorted(name_words), "|", *FRAMES],
        )
        self.cache_key = key
        file = Path(cache_dir) / f"matcher-{key}.npz" if cache_dir is not None else None
        model = (
            tm.load(file, rules, s, vectors, function_words, name_words)
            if file is not None
            else None
        )
        if model is None:
            model = tm.train_model(
                intent_list,
                rules,
                negatives,
                off_topic,
                s,
                vectors,
                function_words,
                name_words,
            )
            if file is not None:
                tm.save(model, file)
        self._model = model
        self.from_cache = model.from_cache
        self.iterations = model.iterations
        kinds = model.row_kind
        self._ex_rows = np.nonzero((kinds == tm.EXAMPLE) | (kinds == tm.PHRASE))[0]
        self._not_rows = np.nonzero(kinds == tm.NOT)[0]
        self._neg_rows = np.nonzero((kinds == tm.NEGATIVE) | (kinds == tm.OFF_TOPIC))[0]

    @property
    def intent_ids(self) -> tuple[str, ...]:
        return self._ids

    @property
    def intents(self) -> tuple[Intent, ...]:
        return self._intents

    def with_intents(self, intents: Iterable[Intent]) -> Matcher:
        """A matcher like this one (bars, off-topic lines, negatives) for other intents,
        trained afresh (no cache): for cross-validation."""
        threshold, off_topic, names, people, negatives, settings, bars, vectors = self._options
        return Matcher(
            intents,
            threshold,
            off_topic=off_topic,
            names=names,
            people=people,
            negatives=negatives,
            settings=settings,
            bars=bars,
            vectors=vectors,
        )

    # -- scoring ---------------------------------------------------------------------------
    def _score(self, words: Sequence[str]) -> _Clause:
        m = self._model
        e = m.encoder.encode(words)
        w = m.weights
        z = w.b.astype(np.float32).copy()
        if len(e.idx):
            z += e.val @ w.w[e.idx]
        if len(e.emb):
            z += (e.emb * np.float32(self.settings.w_emb)) @ w.wd
        p = softmax(z)
        sims = m.sim.row_dots(e.sim_idx, e.sim_val)
        a = self.settings.sim_emb
        if len(e.emb) and a > 0 and len(m.sim_emb):
            sims = ((1.0 - a) * sims + a * (m.sim_emb @ e.emb)).astype(np.float32)
        hits = frozenset(i for i, neg in e.hits if not neg)
        return _Clause(e.words, p[:-1], float(p[-1]), sims, hits)

    def _nearest(self, c: _Clause, rows: npt.NDArray[np.intp]) -> int:
        """The most similar of `rows` (-1: none), first in file order on ties."""
        if not len(rows):
            return -1
        return int(rows[int(np.argmax(c.sims[rows]))])

    def _rows_of(self, intent: int, rows: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
        out: npt.NDArray[np.intp] = rows[self._model.row_intent[rows] == intent]
        return out

    def _status(self, c: _Clause, i: int) -> tuple[str, int, int]:
        """Why intent `i` is or is not taken in clause `c` (ignoring whether it is the best),
        with its nearest example row and the nearest row that could block it (-1: none)."""
        ex = self._nearest(c, self._rows_of(i, self._ex_rows))
        ex_sim = float(c.sims[ex]) if ex >= 0 else 0.0
        blockers = [r for r in (self._nearest(c, self._rows_of(i, self._not_rows)),
                                self._nearest(c, self._neg_rows)) if r >= 0]  # fmt: skip
        blocker = max(blockers, key=lambda r: (float(c.sims[r]), -r)) if blockers else -1
        p = float(c.prob[i])
        b = self.bars
        if p < float(self._bar[i]):
            return "below threshold", ex, blocker
        if p < b.none_ratio * c.none:
            return "below none", ex, blocker
        if i not in c.hits and all(w in self._function_words for w in c.words):
            return "function words only", ex, blocker
        if ex_sim < b.veto:
            return "vetoed", ex, blocker
        if blocker >= 0 and float(c.sims[blocker]) >= b.block and float(c.sims[blocker]) > ex_sim:
            return "blocked", ex, blocker
        return "taken", ex, blocker

    def _band(self, c: _Clause, i: int) -> str:
        return (
            "confident" if float(c.prob[i]) >= max(self.bars.confident, self._bar[i]) else "unsure"
        )

    def _decide(self, c: _Clause) -> list[_Taken]:
        """The intent a clause expresses, if any: the most probable one that passes. A clause
        of function words alone ("now", "right then") carries no meaning of its own: only an
        intent whose pattern it matches may claim it."""
        order = np.argsort(-c.prob, kind="stable")
        for i in order[:CANDIDATES]:
            i = int(i)
            if float(c.prob[i]) < float(self._bar.min(initial=1.0)):
                break
            if self._status(c, i)[0] == "taken":
                return [_Taken(i, float(c.prob[i]), self._band(c, i))]
        return []

    def _split(self, words: Sequence[str]) -> list[list[str]]:
        out: list[list[str]] = [[]]
        for w in words:
            if w in SPLIT_WORDS:
                out.append([])
            else:
                out[-1].append(w)
        return [p for p in out if p]

    def _clause(self, words: list[str]) -> _Scored:
        """A clause's intents, and the scored units behind them (for explanations)."""
        c = self._score(words)
        taken = self._decide(c)
        parts = self._split(words)
        if len(parts) > 1:
            scored = [self._score(p) for p in parts]
            sub = [t for sc in scored for t in self._decide(sc) if t.prob >= self.bars.split]
            if len({t.intent for t in sub}) >= 2:
                firsts: dict[int, _Taken] = {}
                for t in sub:
                    firsts.setdefault(t.intent, t)
                return list(firsts.values()), [(sc, "part") for sc in scored]
        return taken, [(c, "")]

    def _pieces(self, text: str, clause: _ClauseFn) -> list[list[str]]:
        """The line's punctuation pieces, a piece of under SHORT words that means nothing on
        its own joined to a long piece beside it (the one before, else the one after) when
        that makes the long piece surer: "what app was it on, snapchat, whatsapp" and
        "police, what's your emergency" are one question each; "thanks, bye" and "safe?
        injured? weapons?" keep their pieces, and noise after a question does not dilute it.
        `clause` scores a piece (the line's memo, so no piece is scored twice)."""

        def best(words: list[str]) -> float:
            return max((t.prob for t in clause(words)[0]), default=0.0)

        found = pieces(text)
        if len(found) < 2:
            return found
        alone = [
            len(p) < SHORT
            and not all(w in self._function_words for w in p)  # "ok", "so": left alone
            and not clause(p)[0]
            for p in found
        ]
        if not any(alone):
            return found
        out: list[list[str]] = []
        long_before = False  # the last piece in `out` is a long one (maybe with joined ones)
        for n, piece in enumerate(found):
            after = found[n + 1] if n + 1 < len(found) else None
            if alone[n] and long_before and best(out[-1] + piece) > best(out[-1]):
                out[-1] = out[-1] + piece
                continue
            if alone[n] and after is not None and len(after) >= SHORT:
                if best(piece + after) > best(after):
                    found[n + 1] = piece + after
                    continue
            out.append(piece)
            long_before = len(piece) >= SHORT
        return out

    def _line(self, text: str) -> list[_Heard]:
        """Each clause of the line with what was taken from it, the scored units behind that,
        and a note for the whole clause (a sentence said to a colleague is one clause with no
        units: nothing is scored in it)."""
        memo: dict[tuple[str, ...], _Scored] = {}

        def clause(words: list[str]) -> _Scored:
            key = tuple(words)
            if key not in memo:
                memo[key] = self._clause(words)
            return memo[key]

        out: list[_Heard] = []
        run: list[str] = []  # sentences to the call, read together (short pieces may join)
        for sentence in sentences(text):
            other = self._addressee.elsewhere(sentence)
            if other is None:
                run.append(sentence)
                continue
            out.extend(self._sentence(" ".join(run), clause))
            run = []
            words = " ".join(w for p in pieces(sentence) for w in p)
            note = f"said to {other.title()}, not to anyone in the call: heard as nothing"
            out.append((words, [], [], note))
        out.extend(self._sentence(" ".join(run), clause))
        return out

    def _sentence(self, text: str, clause: _ClauseFn) -> list[_Heard]:
        out: list[_Heard] = []
        for piece in self._pieces(text, clause):
            if all(w in self._name_words for w in piece):
                continue  # "Jade," alone: the caller's name, read as nothing, is no clause
            parts = split_conjunctions(piece)
            results = [clause(p) for p in parts]
            if len(parts) > 1 and not any(t for t, _ in results):
                # splitting may have cut one phrase in two ("was it just her and her mum")
                taken, units = clause(piece)
                units = [(u, "unsplit: no part matched") for u, _ in units]
                out.append((" ".join(piece), taken, units, ""))
                continue
            for part, (taken, units) in zip(parts, results, strict=True):
                out.append((" ".join(part), taken, units, ""))
        return out

    # -- the API ---------------------------------------------------------------------------
    def match(self, text: str) -> MatchResult:
        found: list[tuple[int, float, str]] = []  # (clause, -prob, id), for ordering
        taken_p: dict[str, float] = {}
        bands: dict[str, str] = {}
        other: dict[str, float] = {}
        clauses: list[str] = []
        for n, (clause, taken, units, _) in enumerate(self._line(text)):
            clauses.append(clause)
            for t in taken:
                iid = self._ids[t.intent]
                found.append((n, -t.prob, iid))
                if t.prob > taken_p.get(iid, -1.0):
                    taken_p[iid] = t.prob
                    bands[iid] = t.band
            for u, _ in units:
                for i in np.nonzero(u.prob >= REPORT_MIN)[0]:
                    iid = self._ids[int(i)]
                    other[iid] = max(other.get(iid, 0.0), float(u.prob[i]))
        intents: list[str] = []
        for _, _, iid in sorted(found):
            if iid not in intents:
                intents.append(iid)
        scores = {i: round(taken_p[i], 3) for i in intents}
        rest = sorted((-v, i) for i, v in other.items() if i not in scores)
        scores.update((i, round(-v, 3)) for v, i in rest)
        bands = {i: bands[i] for i in intents}
        unsure = any(b == "unsure" for b in bands.values())
        return MatchResult(text, tuple(intents), scores, tuple(clauses), bands, unsure)

    def explain(self, text: str) -> Explanation:
        """What `match` decided, clause by clause, and why."""
        result = self.match(text)
        clauses: list[ClauseExplanation] = []
        for said, taken, units, whole in self._line(text):
            if whole:
                clauses.append(ClauseExplanation(said, 1.0, (), (), None, whole))
            taken_ids = {t.intent for t in taken}
            for u, note in units:
                order = [int(i) for i in np.argsort(-u.prob, kind="stable")[:CANDIDATES]]
                cands = []
                for rank, i in enumerate(order):
                    status, ex, blocker = self._status(u, i)
                    if status == "taken" and i not in taken_ids:
                        status = "not top" if rank else "taken"
                    if i in taken_ids:
                        status = "taken"
                    band = self._band(u, i) if status == "taken" else None
                    cands.append(
                        Candidate(
                            self._ids[i],
                            round(float(u.prob[i]), 3),
                            round(float(self._bar[i]), 3),
                            status,
                            band,
                            self._near(u, ex),
                            self._near(u, blocker),
                            i in u.hits,
                        )
                    )
                neg = self._nearest(u, self._neg_rows)
                clauses.append(
                    ClauseExplanation(
                        " ".join(u.words),
                        round(u.none, 3),
                        tuple(cands),
                        tuple(self._ids[t.intent] for t in taken),
                        self._near(u, neg),
                        "part of a clause split at 'and'" if note == "part" else note,
                    )
                )
        return Explanation(text, result.intents, result.bands, result.unsure, tuple(clauses))

    def _near(self, c: _Clause, row: int) -> Nearest | None:
        if row < 0:
            return None
        m = self._model
        intent = int(m.row_intent[row])
        return Nearest(
            tm.KIND_NAMES[int(m.row_kind[row])],
            self._ids[intent] if intent >= 0 else None,
            m.row_text[row],
            round(float(c.sims[row]), 3),
        )
