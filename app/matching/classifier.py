"""The learned part of the matcher: how a clause becomes vectors, and the classifier.

The classifier is a multinomial logistic regression over the scenario's intents plus one more
class, *none*. It is trained at load on the intents' examples (and multi-word pattern
phrases), copies of the examples with one word dropped (so that no single word carries an
example), each intent's `not` lines ("anything but this intent"), and the generic negatives
and a scenario's `off_topic` lines (class *none*). Training is full-batch L-BFGS from zero
weights: no randomness, so the same intents always give the same weights.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.matching.features import (
    Corrector,
    PhraseIndex,
    Rule,
    char_features,
    negated,
    pair_features,
    stem,
    word_features,
)
from app.matching.hedges import strip_frame
from app.matching.sparse import Csr
from app.matching.vectors import WordVectors

F32 = npt.NDArray[np.float32]
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Settings:
    """The method's knobs. The defaults are the ones chosen on the tune set
    (docs/matching.md); the others are kept so that the comparison can be re-run."""

    char_sizes: tuple[int, ...] = (3, 4)
    w_word: float = 1.0
    w_pair: float = 1.2
    w_char: float = 1.0
    w_pattern: float = 1.0
    w_emb: float = 1.0
    use_vectors: bool = True
    l2: float = 3e-5
    iters: int = 400
    tol: float = 1e-6
    pos_weight: float = 1.0  # an example row
    neg_weight: float = 1.0  # a generic negative or off-topic row
    not_weight: float = 2.0  # a `not` row
    neg_cap: float = 0.25  # negatives weigh at most this times the examples (0: no cap)
    balance: float = 1.0  # examples weighted by (mean intent size / intent size) ** balance
    augment: int = 3  # copies of each example with one word dropped
    augment_neg: int = 3  # the same for generic negatives and off-topic lines
    pattern_examples: bool = False  # multi-word pattern phrases as extra examples
    few_examples: int = 20  # an intent with fewer examples also learns from its patterns...
    augment_few: int = 6  # ... and gets this many dropped-word copies of each example
    frames: bool = True  # polite opening frames ("I wonder if...") removed (hedges.py)
    correct: bool = True  # fix typos against the training words
    min_df: int = 2  # word, pair and character features fewer rows have are not learned
    unknown: bool = True  # a feature counting the content words no training row has
    negation: bool = True  # words after "not", "never", "no" are different features
    sim_emb: float = 0.35  # share of the embedding cosine in the similarity of two clauses


@dataclass(frozen=True)
class Encoded:
    """A clause as vectors: sparse classifier features, sparse similarity features, and the
    embedding (unit length, or zeros when no word has a vector)."""

    idx: I32
    val: F32
    sim_idx: I32
    sim_val: F32
    emb: F32
    hits: tuple[tuple[int, bool], ...]  # (intent, negated) per pattern hit
    words: tuple[str, ...]  # after typo correction


# words, pairs, chars, patterns (and unknown-word counts), pattern hits, corrected words
Raw = tuple[
    list[str], list[str], list[str], list[str], tuple[tuple[int, bool], ...], tuple[str, ...]
]


def _unit_block(feats: Sequence[str], vocab: dict[str, int], weight: float) -> dict[int, float]:
    """Binary features scaled so the block (unseen features included) has length `weight`:
    a clause full of words no example uses has little left for the ones it shares."""
    uniq = list(dict.fromkeys(feats))
    if not uniq or weight == 0.0:
        return {}
    v = weight / math.sqrt(len(uniq))
    return {vocab[f]: v for f in uniq if f in vocab}


def _counts(rows: Iterable[Sequence[str]]) -> tuple[dict[str, int], dict[str, int]]:
    """Word counts (for typo correction) and stem document frequencies (for "unknown")."""
    counts: dict[str, int] = {}
    df: dict[str, int] = {}
    for r in rows:
        for w in r:
            counts[w] = counts.get(w, 0) + 1
        for st in sorted({stem(w) for w in r}):
            df[st] = df.get(st, 0) + 1
    return counts, df


class Encoder:
    """Turns the words of a clause into vectors. `fit` fixes the vocabulary from the training
    rows' raw features; `encode` then maps any clause onto it."""

    def __init__(
        self,
        rules: Sequence[Rule],
        settings: Settings,
        vectors: WordVectors | None,
        word_counts: dict[str, int],
        word_df: dict[str, int],
        function_words: frozenset[str] = frozenset(),
        names: frozenset[str] = frozenset(),
    ) -> None:
        self.rules = tuple(rules)
        self.names = names
        self.phrases = PhraseIndex(self.rules)
        self.settings = settings
        self.vectors = vectors if settings.use_vectors else None
        self.dim = self.vectors.dim if self.vectors is not None else 0
        self.word_counts = word_counts
        self.word_df = word_df
        self.function_words = function_words
        self.vocab: dict[str, int] = {}
        self.sim_vocab: dict[str, int] = {}
        self.idf: dict[str, float] = {}
        self.default_idf = 1.0
        vec = self.vectors
        known: Callable[[str], bool] = (
            (lambda w: vec.get(w) >= 0) if vec is not None else (lambda w: False)
        )
        self.correct = Corrector(word_counts if settings.correct else {}, known)

    @classmethod
    def for_rows(
        cls,
        rows: Sequence[Sequence[str]],
        rules: Sequence[Rule],
        settings: Settings,
        vectors: WordVectors | None,
        function_words: frozenset[str],
        names: frozenset[str] = frozenset(),
    ) -> Encoder:
        counts, df = _counts(rows)
        return cls(rules, settings, vectors, counts, df, function_words, names)

    def raw(self, words: Sequence[str], training: bool = False) -> Raw:
        """The feature names of a clause by block. `training`: the clause is a training row,
        so a word only it uses counts as unknown (as any new word will at match time)."""
        s = self.settings
        if self.names:
            words = [w for w in words if w not in self.names]
        if s.frames:
            words = strip_frame(words)
        if s.correct:
            words = [self.correct(w) for w in words]
        original = tuple(words)
        stems = [stem(w) for w in words]
        neg = negated(words) if s.negation else [False] * len(words)
        hits = tuple(dict.fromkeys((i, neg[at]) for i, at in self.phrases.hits(stems)))
        pats = [("p!" if n else "p:") + str(i) for i, n in hits]
        if s.unknown:
            floor = 1 if training else 0
            unknown = sum(
                1
                for w, st in zip(words, stems, strict=True)
                if w not in self.function_words and self.word_df.get(st, 0) <= floor
            )
            if unknown:
                pats.append(f"u:{min(unknown, 3)}")
        return (
            word_features(stems, neg),
            pair_features(stems, neg),
            char_features(original, s.char_sizes),
            pats,
            hits,
            original,
        )

    def fit(self, raws: Sequence[Raw]) -> None:
        """The vocabulary: every feature at least `min_df` training rows have (pattern and
        unknown-word features always)."""
        df: dict[str, int] = {}
        for r in raws:
            for f in {*r[0], *r[1], *r[2]}:
                df[f] = df.get(f, 0) + 1
        keep = self.settings.min_df
        self.vocab = build_vocab(
            [f for f, c in df.items() if c >= keep] + [f for r in raws for f in r[3]]
        )
        self.sim_vocab = build_vocab(f for r in raws for f in (*r[0], *r[2]))
        self.idf = idf_weights([r[0] for r in raws])
        self.default_idf = max(self.idf.values(), default=1.0)

    def encode(self, words: Sequence[str], raw: Raw | None = None) -> Encoded:
        s = self.settings
        wf, pf, cf, patf, hits, fixed = raw if raw is not None else self.raw(words)
        feats: dict[int, float] = {}
        for block, weight in ((wf, s.w_word), (pf, s.w_pair), (cf, s.w_char), (patf, s.w_pattern)):
            feats.update(_unit_block(block, self.vocab, weight))
        idx = np.fromiter(feats.keys(), dtype=np.int32, count=len(feats))
        val = np.fromiter(feats.values(), dtype=np.float32, count=len(feats))
        order = np.argsort(idx, kind="stable")
        sims: dict[int, float] = {}
        # similarity: IDF-weighted stems and character n-grams, each block half the length
        sw = list(dict.fromkeys(wf))
        weights = [self.idf.get(f, self.default_idf) for f in sw]
        norm = math.sqrt(sum(w * w for w in weights)) or 1.0
        for f, w in zip(sw, weights, strict=True):
            if f in self.sim_vocab:
                sims[self.sim_vocab[f]] = w / norm * math.sqrt(0.5)
        sims.update(_unit_block(cf, self.sim_vocab, math.sqrt(0.5)))
        sidx = np.fromiter(sims.keys(), dtype=np.int32, count=len(sims))
        sval = np.fromiter(sims.values(), dtype=np.float32, count=len(sims))
        return Encoded(idx[order], val[order], sidx, sval, self.embed(fixed), hits, fixed)

    def embed(self, words: Sequence[str]) -> F32:
        """IDF-weighted mean of the words' vectors, unit length (zeros: no word known)."""
        if self.vectors is None:
            return np.zeros(0, dtype=np.float32)
        acc = np.zeros(self.dim, dtype=np.float32)
        for w in words:
            row = self.vectors.get(w)
            if row >= 0:
                acc += self.vectors.vectors[row] * np.float32(self.idf.get("w:" + stem(w), 1.0))
        norm = float(np.linalg.norm(acc))
        return acc / norm if norm > 0 else acc


def build_vocab(features: Iterable[str]) -> dict[str, int]:
    """Feature name -> index, in sorted order (independent of the order rows were seen)."""
    return {f: i for i, f in enumerate(sorted(set(features)))}


def idf_weights(word_blocks: Sequence[Sequence[str]]) -> dict[str, float]:
    """Smoothed IDF of each word feature over the training rows."""
    n = len(word_blocks)
    df: dict[str, int] = {}
    for b in word_blocks:
        for f in set(b):
            df[f] = df.get(f, 0) + 1
    return {f: math.log((n + 1) / (c + 1)) + 1.0 for f, c in sorted(df.items())}


# -- training ------------------------------------------------------------------------------
@dataclass
class Weights:
    w: F32  # (n_features, n_classes)
    wd: F32  # (dim, n_classes)
    b: F32  # (n_classes,)


def softmax(z: F32) -> F32:
    z = z - z.max(axis=-1, keepdims=True)
    ez = np.exp(z)
    out: F32 = (ez / ez.sum(axis=-1, keepdims=True)).astype(np.float32)
    return out


def train_softmax(
    x: Csr,
    e: F32,
    label: I64,
    is_not: npt.NDArray[np.bool_],
    weight: F32,
    n_classes: int,
    l2: float,
    iters: int,
    tol: float,
) -> tuple[Weights, int]:
    """Multinomial logistic regression over n_classes (the last one: "none"), with L2.

    A row with `is_not` set says only "not label": its loss is -log(1 - p[label]). Returns
    the weights and the number of L-BFGS iterations used.
    """
    n_f, n_c = x.n_features, n_classes
    d = e.shape[1]
    n = x.n_rows
    total = float(weight.sum()) or 1.0
    sizes = (n_f * n_c, d * n_c, n_c)
    rows = np.arange(n)
    onehot = np.zeros((n, n_c), dtype=np.float32)
    onehot[rows, label] = 1.0
    plain = ~is_not
    row_w = (weight / np.float32(total)).astype(np.float32)[:, None]

    def unpack(theta: F32) -> tuple[F32, F32, F32]:
        a, b = sizes[0], sizes[0] + sizes[1]
        return theta[:a].reshape(n_f, n_c), theta[a:b].reshape(d, n_c), theta[b:]

    def fg(theta: F32) -> tuple[float, F32]:
        w, wd, b = unpack(theta)
        z = x.dot(w) + b
        if d:
            z += e @ wd
        z -= z.max(axis=1, keepdims=True)
        ez = np.exp(z)
        s = ez.sum(axis=1, keepdims=True)
        p = ez / s
        logp = z - np.log(s)
        pl = p[rows, label]
        rest = np.maximum(1.0 - pl, 1e-12)
        loss = np.where(plain, -logp[rows, label], -np.log(rest))
        f = float((weight * loss).sum()) / total
        f += 0.5 * l2 * float((w * w).sum() + (wd * wd).sum())
        g_not = onehot * pl[:, None] - (pl / rest)[:, None] * p * (1.0 - onehot)
        g = np.where(plain[:, None], p - onehot, g_not).astype(np.float32) * row_w
        gw = x.tdot(g) + np.float32(l2) * w
        gwd = (e.T @ g + np.float32(l2) * wd) if d else np.zeros((0, n_c), dtype=np.float32)
        return f, np.concatenate([gw.ravel(), gwd.ravel(), g.sum(axis=0)]).astype(np.float32)

    theta, used = lbfgs(fg, np.zeros(sum(sizes), dtype=np.float32), iters, tol)
    w, wd, b = unpack(theta)
    return Weights(w.copy(), wd.copy(), b.copy()), used


def lbfgs(
    fg: Callable[[F32], tuple[float, F32]],
    theta: F32,
    iters: int,
    tol: float,
    memory: int = 10,
) -> tuple[F32, int]:
    """Limited-memory BFGS with a backtracking (Armijo) line search; deterministic."""
    f, g = fg(theta)
    s_hist: list[F32] = []
    y_hist: list[F32] = []
    used = 0
    while used < iters:
        used += 1
        q = g.copy()
        alphas: list[tuple[float, float]] = []
        for s, yv in zip(reversed(s_hist), reversed(y_hist), strict=True):
            rho = 1.0 / float(yv @ s)
            a = rho * float(s @ q)
            alphas.append((a, rho))
            q -= np.float32(a) * yv
        if s_hist:
            gamma = float(s_hist[-1] @ y_hist[-1]) / float(y_hist[-1] @ y_hist[-1])
        else:
            gamma = 1.0 / max(1e-12, float(np.sqrt(g @ g)))
        r = q * np.float32(gamma)
        for (a, rho), s, yv in zip(reversed(alphas), s_hist, y_hist, strict=True):
            r += np.float32(a - rho * float(yv @ r)) * s
        direction = -r
        slope = float(g @ direction)
        if slope >= 0:  # not a descent direction: forget the history
            s_hist.clear()
            y_hist.clear()
            direction = -g
            slope = float(g @ direction)
        step = 1.0
        while True:
            new = theta + np.float32(step) * direction
            f_new, g_new = fg(new)
            if f_new <= f + 1e-4 * step * slope or step < 1e-8:
                break
            step *= 0.5
        s_vec, y_vec = new - theta, g_new - g
        done = abs(f - f_new) <= tol * max(1.0, abs(f))
        theta, f, g = new, f_new, g_new
        if float(y_vec @ s_vec) > 1e-10:
            s_hist.append(s_vec)
            y_hist.append(y_vec)
            if len(s_hist) > memory:
                s_hist.pop(0)
                y_hist.pop(0)
        if done:
            break
    return theta, used
