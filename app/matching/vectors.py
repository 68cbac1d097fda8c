"""Static word vectors: a small table distilled from GloVe 6B 50d (PDDL-1.0).

`scripts/build_word_vectors.py` writes `data/word-vectors.npz` (int8 vectors, one float scale
per word) and `data/word-vectors.txt` (the words). Here they are only read, with numpy; no
file is ever fetched. A clause's *embedding* is the IDF-weighted mean of its words' vectors,
so "officers are on their way" and "police are coming" land near each other even though
they share no word.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from io import BytesIO

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]


class WordVectors:
    """Words -> unit-length vectors (float32)."""

    def __init__(self, words: list[str], vectors: F32) -> None:
        if len(words) != len(vectors):
            raise ValueError("one vector per word")
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        self.vectors: F32 = (vectors / norms).astype(np.float32)
        self.index: dict[str, int] = {w: i for i, w in enumerate(words)}
        self.dim = int(vectors.shape[1]) if vectors.ndim == 2 else 0
        self.sha256 = ""

    def get(self, word: str) -> int:
        """The row of `word`, or -1 when the table has no vector for it."""
        return self.index.get(word, -1)


@cache
def shipped_vectors() -> WordVectors:
    """The shipped table, read once per process."""
    import hashlib

    base = resources.files("app.matching").joinpath("data")
    raw = base.joinpath("word-vectors.npz").read_bytes()
    with np.load(BytesIO(raw), allow_pickle=False) as z:
        q = z["vectors"]
        scales = z["scales"]
    words = base.joinpath("word-vectors.txt").read_text(encoding="utf-8").split("\n")
    words = [w for w in words if w]
    table = WordVectors(words, (q.astype(np.float32) * scales[:, None]).astype(np.float32))
    table.sha256 = hashlib.sha256(raw).hexdigest()
    return table
