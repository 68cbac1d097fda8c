"""Training a scenario's classifier, and keeping it in a cache.

`train_model` builds everything the matcher needs from the intents, the generic negatives and
the scenario's off-topic lines. It takes a few seconds for the built-in scenario, so a caller
may pass a cache directory: the result is stored there as one `.npz` file (plain arrays, read
with `allow_pickle=False`; never a pickle) named by the sha256 of everything that went into
it (the intents, negatives, off-topic lines, the method's settings, the word vectors and
this module's format number). A changed scenario or library simply gets a new file.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from app.matching.classifier import (
    Encoded,
    Encoder,
    Settings,
    Weights,
    train_softmax,
)
from app.matching.features import Rule
from app.matching.sparse import Csr
from app.matching.vectors import WordVectors
from app.scenario.model import Intent
from app.text import tokens

F32 = npt.NDArray[np.float32]
CACHE_FORMAT = 2
# An intent with fewer examples learns from its single-word pattern phrases too; one with a
# few more (under Settings.few_examples) from its multi-word phrases only: single words as
# examples made a small intent hear its keyword in lines about something else (tune and dev
# near misses of the sparse copy 2.3% -> 3.2%, 4.2% -> 5.4%; docs/matching.md section 5d).
BARE = 3

# kinds of reference rows
EXAMPLE, PHRASE, NOT, NEGATIVE, OFF_TOPIC = range(5)
KIND_NAMES = ("example", "pattern phrase", "not line", "generic negative", "off-topic line")


@dataclass
class Trained:
    """A trained matcher's arrays. Reference rows are the intents' own lines (examples,
    pattern phrases, `not` lines), the generic negatives and the off-topic lines, as written
    (training also used copies with a word dropped, not kept here)."""

    encoder: Encoder
    weights: Weights
    sim: Csr  # similarity features of every reference row
    sim_emb: F32  # embeddings of every reference row
    row_kind: npt.NDArray[np.int8]
    row_intent: npt.NDArray[np.int32]  # -1 for negatives and off-topic lines
    row_text: tuple[str, ...]
    iterations: int = 0
    from_cache: bool = False


def _drop_positions(n: int, copies: int) -> list[int]:
    """Which word each augmented copy drops: the last, then the one before, ..."""
    if n < 3 or copies <= 0:
        return []
    return [n - 1 - (k % n) for k in range(copies)]


def _copies(intents: Sequence[Intent], s: Settings) -> Callable[[int, int], int]:
    """How many dropped-word copies a reference row gets: an example of an intent with few
    examples gets more (a small scenario's own intents), generic negatives their own number."""
    few = {n for n, i in enumerate(intents) if len(i.examples) < s.few_examples}

    def copies(kind: int, intent: int) -> int:
        if kind == EXAMPLE:
            return s.augment_few if intent in few else s.augment
        return s.augment_neg if kind >= NEGATIVE else 0

    return copies


def reference_rows(
    intents: Sequence[Intent], negatives: Sequence[str], off_topic: Sequence[str], s: Settings
) -> list[tuple[list[str], int, int, str]]:
    """(words, kind, intent index or -1, text as written) of every reference row."""
    rows: list[tuple[list[str], int, int, str]] = []

    def add(text: str, kind: int, intent: int) -> None:
        words = tokens(text)
        if words:
            rows.append((words, kind, intent, text))

    for n, intent in enumerate(intents):
        for t in intent.examples:
            add(t, EXAMPLE, n)
        # Pattern phrases are extra examples for an intent with few examples: its multi-word
        # phrases and each `all` pattern's phrases in order; one with (almost) none gets its
        # single-word phrases too, so that its pattern evidence is learned at all.
        few = len(intent.examples) < s.few_examples
        bare = len(intent.examples) < BARE  # (almost) no examples: single words too
        if s.pattern_examples or few:
            for p in intent.patterns:
                for t in p.any:
                    if bare or len(tokens(t)) >= 2:
                        add(t, PHRASE, n)
                if few and p.all:
                    add(" ".join(p.all), PHRASE, n)
    for n, intent in enumerate(intents):
        for t in intent.not_examples:
            add(t, NOT, n)
    for t in negatives:
        add(t, NEGATIVE, -1)
    for t in off_topic:
        add(t, OFF_TOPIC, -1)
    return rows


def train_model(
    intents: Sequence[Intent],
    rules: Sequence[Rule],
    negatives: Sequence[str],
    off_topic: Sequence[str],
    settings: Settings,
    vectors: WordVectors | None,
    function_words: frozenset[str],
    names: frozenset[str] = frozenset(),
) -> Trained:
    s = settings
    n_c = len(intents)
    ref = reference_rows(intents, negatives, off_topic, s)
    # training rows: every reference row, plus copies of examples and negatives with a word
    # dropped
    train_rows: list[tuple[list[str], int, int]] = []
    copies_of = _copies(intents, s)
    for words, kind, intent, _ in ref:
        train_rows.append((words, kind, intent))
        copies = copies_of(kind, intent)
        for j in _drop_positions(len(words), copies):
            train_rows.append((words[:j] + words[j + 1 :], kind, intent))
    enc = Encoder.for_rows([w for w, _, _, _ in ref], rules, s, vectors, function_words, names)
    raws = [enc.raw(w, training=True) for w, _, _ in train_rows]
    enc.fit(raws)
    encoded = [enc.encode(w, r) for (w, _, _), r in zip(train_rows, raws, strict=True)]
    dim = enc.dim
    x = Csr.from_rows([(e.idx, e.val) for e in encoded], len(enc.vocab))
    emb = _stack([e.emb for e in encoded], dim) * np.float32(s.w_emb)
    label = np.array([i if i >= 0 else n_c for _, _, i in train_rows], dtype=np.int64)
    is_not = np.array([k == NOT for _, k, _ in train_rows], dtype=np.bool_)
    weight = np.array(
        [
            s.pos_weight if k in (EXAMPLE, PHRASE) else s.not_weight if k == NOT else s.neg_weight
            for _, k, _ in train_rows
        ],
        dtype=np.float32,
    )
    if s.balance and n_c:
        pos = (~is_not) & (label < n_c)
        counts = np.bincount(label[pos], minlength=n_c).astype(np.float32)
        mean = float(counts[counts > 0].mean()) if (counts > 0).any() else 1.0
        weight[pos] *= ((mean / np.maximum(counts[label[pos]], 1.0)) ** s.balance).astype(
            np.float32
        )
    if s.neg_cap > 0 and n_c:
        # a small scenario must not drown its few examples in the generic negatives: they
        # weigh at most neg_cap times what the examples weigh (the built-in scenario, with
        # the whole library, is under the cap and unchanged)
        neg = label == n_c
        pos = (~is_not) & (label < n_c)
        total_neg, total_pos = float(weight[neg].sum()), float(weight[pos].sum())
        if total_neg > s.neg_cap * total_pos > 0:
            weight[neg] *= np.float32(s.neg_cap * total_pos / total_neg)
    if train_rows:
        weights, used = train_softmax(x, emb, label, is_not, weight, n_c + 1, s.l2, s.iters, s.tol)
    else:
        weights, used = _zero_weights(len(enc.vocab), dim, n_c + 1), 0
    # reference rows: the first occurrence of each in the training rows is the row itself
    ref_encoded: list[Encoded] = []
    k = 0
    for words, kind, intent, _ in ref:
        ref_encoded.append(encoded[k])
        k += 1 + len(_drop_positions(len(words), copies_of(kind, intent)))
    return Trained(
        encoder=enc,
        weights=weights,
        sim=Csr.from_rows([(e.sim_idx, e.sim_val) for e in ref_encoded], len(enc.sim_vocab)),
        sim_emb=_stack([e.emb for e in ref_encoded], dim),
        row_kind=np.array([kind for _, kind, _, _ in ref], dtype=np.int8),
        row_intent=np.array([i for _, _, i, _ in ref], dtype=np.int32),
        row_text=tuple(t for _, _, _, t in ref),
        iterations=used,
    )


def _stack(vectors: list[F32], dim: int) -> F32:
    if not dim or not vectors:
        return np.zeros((len(vectors), dim), dtype=np.float32)
    return np.stack(vectors).astype(np.float32)


def _zero_weights(n_features: int, dim: int, n_classes: int) -> Weights:
    return Weights(
        np.zeros((n_features, n_classes), np.float32),
        np.zeros((dim, n_classes), np.float32),
        np.zeros(n_classes, np.float32),
    )


# -- the cache -----------------------------------------------------------------------------
def cache_key(
    intents: Sequence[Intent],
    negatives: Sequence[str],
    off_topic: Sequence[str],
    settings: Settings,
    vectors: WordVectors | None,
    data: Sequence[str],
) -> str:
    """sha256 of everything training reads (content only: positions do not matter)."""
    doc = {
        "format": CACHE_FORMAT,
        "settings": asdict(settings),
        "vectors": vectors.sha256 if vectors is not None else "",
        "data": list(data),
        "intents": [
            [
                i.id,
                list(i.examples),
                list(i.not_examples),
                [[list(p.any), list(p.all), p.ordered, p.near] for p in i.patterns],
            ]
            for i in intents
        ],
        "negatives": list(negatives),
        "off_topic": list(off_topic),
    }
    raw = json.dumps(doc, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()


def _names(d: dict[str, int]) -> npt.NDArray[np.str_]:
    return np.array(sorted(d, key=d.__getitem__), dtype=np.str_)


def save(trained: Trained, file: Path) -> None:
    """Write the arrays to `file` (atomically: a reader never sees half a file)."""
    enc = trained.encoder
    arrays: dict[str, npt.NDArray[np.generic]] = {
        "w": trained.weights.w,
        "wd": trained.weights.wd,
        "b": trained.weights.b,
        "vocab": _names(enc.vocab),
        "sim_vocab": _names(enc.sim_vocab),
        "idf_keys": np.array(list(enc.idf), dtype=np.str_),
        "idf_values": np.array(list(enc.idf.values()), dtype=np.float64),
        "count_keys": np.array(list(enc.word_counts), dtype=np.str_),
        "count_values": np.array(list(enc.word_counts.values()), dtype=np.int64),
        "df_keys": np.array(list(enc.word_df), dtype=np.str_),
        "df_values": np.array(list(enc.word_df.values()), dtype=np.int64),
        "sim_indptr": trained.sim.indptr,
        "sim_indices": trained.sim.indices,
        "sim_data": trained.sim.data,
        "sim_emb": trained.sim_emb,
        "row_kind": trained.row_kind,
        "row_intent": trained.row_intent,
        "row_text": np.array(trained.row_text, dtype=np.str_),
        "iterations": np.array([trained.iterations], dtype=np.int64),
    }
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        tmp = file.with_name(f"{file.stem}.{os.getpid()}.tmp.npz")
        np.savez(tmp, **arrays)  # type: ignore[arg-type]
        os.replace(tmp, file)
    except OSError:
        pass  # a cache that cannot be written only costs time next time


def load(
    file: Path,
    rules: Sequence[Rule],
    settings: Settings,
    vectors: WordVectors | None,
    function_words: frozenset[str],
    names: frozenset[str] = frozenset(),
) -> Trained | None:
    """The arrays saved in `file`, or None if it is missing or unreadable."""
    try:
        with np.load(file, allow_pickle=False) as z:
            a = {k: z[k] for k in z.files}
    except (OSError, ValueError, KeyError):
        return None
    try:
        counts = dict(zip(a["count_keys"].tolist(), a["count_values"].tolist(), strict=True))
        df = dict(zip(a["df_keys"].tolist(), a["df_values"].tolist(), strict=True))
        enc = Encoder(rules, settings, vectors, counts, df, function_words, names)
        enc.vocab = {str(f): i for i, f in enumerate(a["vocab"].tolist())}
        enc.sim_vocab = {str(f): i for i, f in enumerate(a["sim_vocab"].tolist())}
        enc.idf = dict(zip(a["idf_keys"].tolist(), a["idf_values"].tolist(), strict=True))
        enc.default_idf = max(enc.idf.values(), default=1.0)
        sim = Csr(
            a["sim_indptr"].astype(np.int64),
            a["sim_indices"].astype(np.int32),
            a["sim_data"].astype(np.float32),
            len(enc.sim_vocab),
        )
        return Trained(
            encoder=enc,
            weights=Weights(a["w"], a["wd"], a["b"]),
            sim=sim,
            sim_emb=a["sim_emb"],
            row_kind=a["row_kind"],
            row_intent=a["row_intent"],
            row_text=tuple(str(t) for t in a["row_text"].tolist()),
            iterations=int(a["iterations"][0]),
            from_cache=True,
        )
    except (KeyError, ValueError, TypeError):
        return None
