"""Search quality of each embedding model and of the catch-up states, on CISI and Cranfield, in one run:
nDCG@10 and recall@100 of keyword search alone, the transformer (int8 MiniLM at 256 and 128 tokens) alone and
fused, the first-pass static model alone and fused (every paper still pending), and the mixed state halfway
through the upgrade (a random half of the documents upgraded, the rest first pass only), fused exactly as
``SearchService`` fuses them (``spaces.space_masks`` + RRF + ``spaces.add_first_pass``) with the product's
default settings. The first-pass weight is also swept; the sweep is judged on the dev half of the queries
(even positions) and reported on the held-out half (odd positions) too.

Usage: .venv/bin/python bench/embed_quality.py [--cache DIR] [--max-tokens 256 128]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from paperwire.config import Settings
from paperwire.search.embedder import OnnxMiniLM, Vectors, paper_text
from paperwire.search.fusion import reciprocal_rank_fusion
from paperwire.search.spaces import add_first_pass, space_masks
from paperwire.search.static import StaticEmbedder
from paperwire.search.vectors import VectorIndex

sys.path.insert(0, str(Path(__file__).parent))
from quality import (
    RUN_DEPTH,
    Collection,
    bench_query,
    embeddings,
    judged,
    lexical_runs,
    load_cisi,
    load_cranfield,
    score,
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks"
if not SHARED.exists():
    SHARED = Path("/work/shared/benchmarks")
WEIGHTS = (0.25, 0.5, 0.75, 1.0)
Runs = dict[str, list[str]]


class Space:
    """Documents and queries of one collection embedded by one model, searchable among chosen rows."""

    def __init__(self, docs: Vectors, queries: Vectors) -> None:
        self.index = VectorIndex(docs.shape[1])
        self.index.add(docs)
        self.queries = queries

    def run(self, q: int, allowed: np.ndarray | None, depth: int = RUN_DEPTH) -> list[int]:
        return [n.row for n in self.index.search(self.queries[q], depth, allowed)]


def fused(
    lexical: list[str], transformer: list[str], first_pass: list[str], settings: Settings, weight: float
) -> list[str]:
    depth = settings.search_depth
    hits = reciprocal_rank_fusion(
        lexical, transformer, k=settings.search_rrf_k, depth=depth, semantic_weight=settings.search_semantic_weight
    )
    return [h.id for h in add_first_pass(hits, first_pass[:depth], k=settings.search_rrf_k, weight=weight)]


def state_runs(
    c: Collection, lexical: Runs, transformer: Space, first: Space, upgraded: np.ndarray, weight: float
) -> tuple[Runs, Runs]:
    """(fused runs, meaning-only runs) with ``upgraded`` documents in the transformer space."""
    settings = Settings()
    doc_ids = list(c.docs)
    up_mask, pending_mask = space_masks(None, upgraded)
    fused_runs, dense_runs = {}, {}
    for q, (qid, _) in enumerate(c.queries):
        t = [doc_ids[r] for r in transformer.run(q, up_mask)] if upgraded.any() else []
        f = [doc_ids[r] for r in first.run(q, pending_mask)] if pending_mask is not None else []
        fused_runs[qid] = fused(lexical[qid], t, f, settings, weight)
        dense_runs[qid] = t if not f else f if not t else fused([], t, f, settings, weight)
    return fused_runs, dense_runs


def row(c: Collection, name: str, runs: Runs) -> str:
    n_all, r_all = score(c, runs, judged(c, "all"))
    n_test, r_test = score(c, runs, judged(c, "test"))
    return f"| {c.name} | {name} | {n_all:.4f} | {r_all:.4f} | {n_test:.4f} | {r_test:.4f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=None, help="Keep transformer embeddings here between runs.")
    parser.add_argument("--max-tokens", type=int, nargs="+", default=[256, 128])
    args = parser.parse_args()
    if not SHARED.exists():
        print(f"skipped: {SHARED} not found")
        return
    settings = Settings()
    static = StaticEmbedder()
    print(
        f"fusion as in the product: RRF k={settings.search_rrf_k}, depth={settings.search_depth}, "
        f"transformer weight={settings.search_semantic_weight}, first-pass weight={settings.search_first_pass_weight}"
    )
    print("\n| set | run | nDCG@10 all | recall@100 all | nDCG@10 held-out | recall@100 held-out |")
    print("|---|---|---:|---:|---:|---:|")
    sweep: list[str] = []
    for c in (load_cisi(SHARED / "cisi"), load_cranfield(SHARED / "cranfield")):
        lexical = lexical_runs(c)
        texts = [paper_text(t, w) for t, w in c.docs.values()]
        queries = [bench_query(q) for _, q in c.queries]
        first = Space(static.embed(texts), static.embed(queries))
        n = len(texts)
        none, half = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
        half[np.random.default_rng(0).permutation(n)[: n // 2]] = True
        print(row(c, "keyword only (BM25)", lexical))
        pending_fused, pending_dense = state_runs(c, lexical, first, first, none, settings.search_first_pass_weight)
        print(row(c, "first pass alone (static)", pending_dense))
        print(row(c, "keyword + first pass, nothing upgraded yet", pending_fused))
        for max_tokens in args.max_tokens:
            model = OnnxMiniLM(max_tokens=max_tokens, batch_size=8)
            docs = embeddings(texts, model, args.cache, f"{c.name}-docs")
            transformer = Space(docs, embeddings(queries, model, args.cache, f"{c.name}-queries"))
            everything = np.ones(n, dtype=bool)
            done_fused, done_dense = state_runs(c, lexical, transformer, first, everything, 0.0)
            print(row(c, f"transformer alone ({model.name})", done_dense))
            print(row(c, f"keyword + transformer, all upgraded ({model.name})", done_fused))
            if max_tokens != args.max_tokens[0]:
                continue
            mixed_fused, mixed_dense = state_runs(
                c, lexical, transformer, first, half, settings.search_first_pass_weight
            )
            print(row(c, f"meaning only, halfway ({model.name} + first pass)", mixed_dense))
            print(row(c, f"keyword + both spaces, halfway ({model.name} + first pass)", mixed_fused))
            for weight in WEIGHTS:
                pending = state_runs(c, lexical, first, first, none, weight)[0]
                mixed = state_runs(c, lexical, transformer, first, half, weight)[0]
                sweep.append(row(c, f"first-pass weight {weight}: nothing upgraded", pending))
                sweep.append(row(c, f"first-pass weight {weight}: halfway", mixed))
    print("\nFirst-pass weight sweep (dev = even queries; held-out = odd):\n")
    print("| set | run | nDCG@10 all | recall@100 all | nDCG@10 held-out | recall@100 held-out |")
    print("|---|---|---:|---:|---:|---:|")
    print("\n".join(sweep))


if __name__ == "__main__":
    main()
