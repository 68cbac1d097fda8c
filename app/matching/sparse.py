"""A minimal sparse row matrix for numpy: the matcher's features are a few dozen per clause out
of tens of thousands, so products go through gathers and `reduceat`, never a dense matrix.

Everything here is deterministic: the order of every sum is fixed by the data's order.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]


class Csr:
    """Rows of (feature index, value) pairs."""

    def __init__(self, indptr: I64, indices: I32, data: F32, n_features: int) -> None:
        self.indptr = indptr
        self.indices = indices
        self.data = data
        self.n_rows = len(indptr) - 1
        self.n_features = n_features
        counts = np.diff(indptr)
        self.row_of: I32 = np.repeat(np.arange(self.n_rows, dtype=np.int32), counts)
        # column order, for products with the transpose and for posting lists
        self.order: I64 = np.argsort(indices, kind="stable").astype(np.int64)
        sorted_idx = indices[self.order]
        self.present: I32 = np.unique(sorted_idx).astype(np.int32)
        self.fptr: I64 = np.searchsorted(sorted_idx, np.arange(n_features + 1)).astype(np.int64)
        self.col_rows: I32 = self.row_of[self.order]
        self.col_data: F32 = data[self.order]
        self._row_buckets: list[Bucket] | None = None  # built on first use
        self._col_buckets: list[Bucket] | None = None

    @classmethod
    def from_rows(cls, rows: list[tuple[I32, F32]], n_features: int) -> Csr:
        lengths = np.array([len(i) for i, _ in rows], dtype=np.int64)
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        if rows:
            indices = np.concatenate([i for i, _ in rows]).astype(np.int32)
            data = np.concatenate([d for _, d in rows]).astype(np.float32)
        else:
            indices = np.zeros(0, dtype=np.int32)
            data = np.zeros(0, dtype=np.float32)
        return cls(indptr, indices, data, n_features)

    def dot(self, w: F32) -> F32:
        """self @ w for a dense (n_features, k) matrix."""
        if self._row_buckets is None:
            self._row_buckets = _buckets(self.indptr, self.indices, self.data, self.n_features)
        return _apply(self._row_buckets, w, self.n_rows)

    def tdot(self, g: F32) -> F32:
        """self.T @ g for a dense (n_rows, k) matrix; zero rows for features no row has."""
        if self._col_buckets is None:
            self._col_buckets = _buckets(self.fptr, self.col_rows, self.col_data, self.n_rows)
        return _apply(self._col_buckets, g, self.n_features)

    def row_dots(self, idx: I32, val: F32) -> F32:
        """Dot products of one sparse vector (feature indices, values) with every row."""
        out = np.zeros(self.n_rows, dtype=np.float32)
        if not len(idx):
            return out
        starts = self.fptr[idx]
        ends = self.fptr[idx + 1]
        counts = ends - starts
        total = int(counts.sum())
        if not total:
            return out
        # positions of every posting of every query feature, without a Python loop
        offsets = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(total)
        weights = np.repeat(val, counts) * self.col_data[offsets]
        out += np.bincount(self.col_rows[offsets], weights=weights, minlength=self.n_rows).astype(
            np.float32
        )
        return out


Bucket = tuple[I64, I32, F32]  # (which rows, their padded indices, their padded values)


def _buckets(ptr: I64, indices: I32, data: F32, pad_index: int) -> list[Bucket]:
    """Rows of a CSR-like layout grouped by length rounded up to a power of two and padded
    (index `pad_index`, value 0), so a product is one gather and one batched matmul per
    group instead of a slow segmented sum. Padding costs well under 2x the entries."""
    lengths = np.diff(ptr)
    out: list[Bucket] = []
    nonzero = lengths > 0
    if not nonzero.any():
        return out
    padded = np.where(nonzero, 2 ** np.ceil(np.log2(np.maximum(lengths, 1))), 0).astype(np.int64)
    for size in np.unique(padded[nonzero]):
        rows = np.nonzero(padded == size)[0].astype(np.int64)
        offs = np.arange(int(size), dtype=np.int64)
        pos = ptr[rows][:, None] + offs[None, :]
        valid = offs[None, :] < lengths[rows][:, None]
        pos = np.where(valid, pos, 0)
        idx = np.where(valid, indices[pos], pad_index).astype(np.int32)
        val = np.where(valid, data[pos], 0.0).astype(np.float32)
        out.append((rows, idx, val))
    return out


def _apply(buckets: list[Bucket], w: F32, n_out: int) -> F32:
    """sum over each padded row of value * w[index], for every row of every bucket."""
    k = w.shape[1]
    padded_w = np.concatenate([w, np.zeros((1, k), dtype=w.dtype)])
    out = np.zeros((n_out, k), dtype=np.float32)
    for rows, idx, val in buckets:
        gathered = np.take(padded_w, idx, axis=0)  # (rows, size, k)
        out[rows] = np.matmul(val[:, None, :], gathered)[:, 0, :]
    return out
