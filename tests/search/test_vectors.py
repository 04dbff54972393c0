from __future__ import annotations

from pathlib import Path

import numpy as np

from paperwire.search.vectors import EXACT_SUBSET_ROWS, FLAT, HNSW, VectorIndex, needs_compaction, rebuilt, wanted_kind


def unit_vectors(n: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def brute_force(x: np.ndarray, q: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[int]:
    scores = x @ q
    if allowed is not None:
        scores = np.where(allowed, scores, -np.inf)
    return [int(i) for i in np.argsort(-scores)[:k]]


def test_flat_search_is_exact_with_and_without_a_mask() -> None:
    x = unit_vectors(500)
    index = VectorIndex(16, kind=FLAT)
    index.add(x)
    q = x[7]
    assert [n.row for n in index.search(q, 10)] == brute_force(x, q, 10)
    allowed = np.arange(500) % 3 == 0
    assert [n.row for n in index.search(q, 10, allowed)] == brute_force(x, q, 10, allowed)


def test_hnsw_finds_nearly_all_true_neighbours_and_respects_the_mask() -> None:
    x = unit_vectors(3000, dim=32, seed=1)
    index = VectorIndex(32, kind=HNSW, ef_search=128)
    index.add(x)
    recalls = []
    for q in x[:20]:
        truth = set(brute_force(x, q, 10))
        recalls.append(len(truth & {n.row for n in index.search(q, 10)}) / 10)
    assert np.mean(recalls) >= 0.9
    allowed = np.zeros(3000, dtype=bool)
    allowed[: EXACT_SUBSET_ROWS + 1 if EXACT_SUBSET_ROWS < 3000 else 3000 : 2] = True
    rows = [n.row for n in index.search(x[0], 10, allowed)]
    assert rows
    assert all(allowed[r] for r in rows)


def test_save_load_and_rebuild_keep_the_vectors(tmp_path: Path) -> None:
    x = unit_vectors(50)
    index = VectorIndex(16, kind=FLAT)
    index.add(x)
    index.save(tmp_path / "v.faiss")
    loaded = VectorIndex.load(tmp_path / "v.faiss", 16, ef_search=64)
    assert loaded.kind == FLAT
    assert np.allclose(loaded.matrix(), x)
    keep = np.array([3, 10, 20])
    small = rebuilt(loaded, keep, HNSW)
    assert small.kind == HNSW
    assert np.allclose(small.matrix(), x[keep])
    small.save(tmp_path / "h.faiss")
    assert VectorIndex.load(tmp_path / "h.faiss", 16, ef_search=64).kind == HNSW


def test_policy_thresholds() -> None:
    assert wanted_kind(100, 100) == FLAT
    assert wanted_kind(101, 100) == HNSW
    assert not needs_compaction(100, 20)
    assert needs_compaction(100, 21)
    assert not needs_compaction(0, 0)
