"""Nearest neighbours by inner product (= cosine, vectors are unit length) with faiss.

Small collections use exact search (``IndexFlatIP``); above ``hnsw_threshold`` live papers the index is
rebuilt as an HNSW graph, which answers in about a millisecond where exact search grows linearly
(threshold measured in ``bench/search_latency.py``, see docs/benchmarks.md). faiss row ``i`` is row ``i``
of the ``RowTable``; dead rows are skipped with an ID selector and dropped at the next compaction.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss as _faiss
import numpy as np
import numpy.typing as npt

from paperwire.search.embedder import Vectors
from paperwire.search.rows import Mask

# faiss's bundled type hints cover a fraction of its SWIG API (no HNSW search parameters, no selectors).
faiss: Any = _faiss

FLAT, HNSW = "flat", "hnsw"
HNSW_M = 32  # graph degree: the faiss default for 384-d text embeddings trades memory for recall well
HNSW_EF_CONSTRUCTION = 40
# Below this many allowed rows a filtered query is answered exactly over just those rows: as fast as the
# graph, and a graph walk that must skip most nodes would miss matches.
EXACT_SUBSET_ROWS = 20_000
COMPACT_DEAD_FRACTION = 0.2
# One query is too small to share: with OpenMP's two threads an exact search of 30k vectors took 32 ms
# instead of 2.7 ms on a busy 2-core machine (threads spin waiting for a core). Bulk adds do use all cores.
SEARCH_THREADS = 1
BULK_ADD_ROWS = 10_000


@dataclass(frozen=True, slots=True)
class Neighbour:
    row: int
    score: float


class VectorIndex:
    def __init__(self, dim: int, *, kind: str = FLAT, ef_search: int = 128) -> None:
        self.dim = dim
        self.kind = kind
        self.ef_search = ef_search
        self.index: Any = _new_index(dim, kind)

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def add(self, vectors: Vectors) -> None:
        if not len(vectors):
            return
        # OpenMP's thread count is per calling thread: set it on every call, not once per process.
        bulk = len(vectors) >= BULK_ADD_ROWS
        faiss.omp_set_num_threads((os.cpu_count() or 1) if bulk else SEARCH_THREADS)
        try:
            self.index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        finally:
            faiss.omp_set_num_threads(SEARCH_THREADS)

    def matrix(self) -> Vectors:
        """All stored vectors, row by row (a view on faiss's own storage: no copy)."""
        flat = self.index if self.kind == FLAT else faiss.downcast_index(self.index.storage)
        n = int(flat.ntotal)
        if n == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        data: Vectors = faiss.rev_swig_ptr(flat.get_xb(), n * self.dim).reshape(n, self.dim)
        return data

    def vector(self, row: int) -> Vectors:
        row_vector: Vectors = self.matrix()[row].copy()
        return row_vector

    def search(self, query: Vectors, k: int, allowed: Mask | None = None) -> list[Neighbour]:
        """The ``k`` best rows for one query vector, only among ``allowed`` rows when given."""
        if len(self) == 0 or k <= 0:
            return []
        if allowed is not None and int(allowed.sum()) <= EXACT_SUBSET_ROWS:
            return self._exact_subset(query, k, allowed)
        params = None if allowed is None else self._params(allowed, k)
        faiss.omp_set_num_threads(SEARCH_THREADS)
        scores, rows = self.index.search(query.reshape(1, -1).astype(np.float32), k, params=params)
        return [Neighbour(int(r), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]

    def _params(self, allowed: Mask, k: int) -> Any:
        bitmap = np.packbits(allowed, bitorder="little")
        selector = faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bitmap))
        if self.kind == HNSW:
            params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(self.ef_search, k))
        else:
            params = faiss.SearchParameters(sel=selector)
        params._keep_alive = (bitmap, selector)  # faiss holds raw pointers to both
        return params

    def _exact_subset(self, query: Vectors, k: int, allowed: Mask) -> list[Neighbour]:
        rows = np.flatnonzero(allowed)
        if len(rows) == 0:
            return []
        scores = self.matrix()[rows] @ query.astype(np.float32)
        top = _top_k(scores, k)
        return [Neighbour(int(rows[i]), float(scores[i])) for i in top]

    def set_ef_search(self, ef_search: int) -> None:
        self.ef_search = ef_search
        if self.kind == HNSW:
            self.index.hnsw.efSearch = ef_search

    def save(self, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp")
        try:
            faiss.write_index(self.index, str(tmp))
            tmp.replace(path)
        except BaseException:
            tmp.unlink(missing_ok=True)  # a half-written file must not hold on to the space (or be read)
            raise

    @classmethod
    def load(cls, path: Path, dim: int, *, ef_search: int) -> VectorIndex:
        index = faiss.read_index(str(path))
        kind = HNSW if isinstance(index, faiss.IndexHNSW) else FLAT
        loaded = cls(dim, kind=kind, ef_search=ef_search)
        loaded.index = index
        loaded.set_ef_search(ef_search)
        return loaded


def _new_index(dim: int, kind: str) -> Any:
    if kind == FLAT:
        return faiss.IndexFlatIP(dim)
    index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    return index


def _top_k(scores: npt.NDArray[np.float32], k: int) -> npt.NDArray[np.intp]:
    candidates = np.argpartition(-scores, k)[:k] if k < len(scores) else np.arange(len(scores))
    return candidates[np.argsort(-scores[candidates], kind="stable")]


def wanted_kind(live_rows: int, threshold: int) -> str:
    return HNSW if live_rows > threshold else FLAT


def needs_compaction(total_rows: int, dead_rows: int) -> bool:
    return total_rows > 0 and dead_rows / total_rows > COMPACT_DEAD_FRACTION


def rebuilt(source: VectorIndex, rows: npt.NDArray[np.int64], kind: str) -> VectorIndex:
    """A fresh index of just ``rows`` of ``source`` (renumbered from 0), of the given kind."""
    fresh = VectorIndex(source.dim, kind=kind, ef_search=source.ef_search)
    vectors = source.matrix()[rows]
    fresh.add(vectors)
    fresh.set_ef_search(source.ef_search)
    return fresh
