"""Search quality of each embedding model and of the catch-up states, on CISI and Cranfield, in one run:
nDCG@10 and recall@100 of keyword search alone, the transformer (int8 MiniLM at 256 and 128 tokens) alone and
fused, the first-pass static model alone and fused (every paper still pending), and the mixed states a
quarter, half and three quarters through the upgrade (that share of the documents, drawn at random, upgraded;
the rest first pass only), fused as ``SearchService`` fuses them (``spaces.space_masks``, the field-aware RRF
of ``fusion.py`` with ``spaces.transformer_weight``, then ``spaces.add_first_pass``) with the product's
default settings. The first-pass weight is also swept. "held-out" is the odd-numbered half of the queries
(bench/quality.py tunes the product's other settings on the even half).

Usage: .venv/bin/python bench/embed_quality.py [--cache DIR] [--max-tokens 256 128]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from paperwire.config import Settings
from paperwire.search.embedder import OnnxMiniLM, Vectors, paper_text
from paperwire.search.fusion import field_aware_fusion
from paperwire.search.spaces import add_first_pass, space_masks, transformer_weight
from paperwire.search.static import StaticEmbedder
from paperwire.search.vectors import VectorIndex

sys.path.insert(0, str(Path(__file__).parent))
from quality import (
    RUN_DEPTH,
    Collection,
    bench_query,
    embeddings,
    field_runs,
    judged,
    lexical_index,
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


class Keyword:
    """The three keyword lists the product fuses: title alone, abstract alone, both (for the keyword rank)."""

    def __init__(self, c: Collection) -> None:
        index = lexical_index(c)
        self.title, self.abstract = field_runs(c, index, "title"), field_runs(c, index, "abstract")
        self.both = {q: [d for d, _ in run] for q, run in lexical_runs(c, index).items()}

    def alone(self, settings: Settings) -> Runs:
        return {q: fused(self, q, [], [], settings, 0.0, 1.0) for q in self.both}


def fused(
    keyword: Keyword | None,
    qid: str,
    transformer: list[str],
    first_pass: list[str],
    settings: Settings,
    weight: float,
    share: float,
) -> list[str]:
    depth, k = settings.search_depth, settings.search_rrf_k
    hits = field_aware_fusion(
        keyword.title[qid] if keyword else [],
        keyword.abstract[qid] if keyword else [],
        transformer,
        lexical=keyword.both[qid] if keyword else [],
        k=k,
        depth=depth,
        title_weight=settings.search_title_weight,
        abstract_weight=settings.search_abstract_weight,
        semantic_weight=transformer_weight(settings.search_semantic_weight, round(share * 1e6), 10**6),
    )
    return [h.id for h in add_first_pass(hits, first_pass[:depth], k=k, weight=weight)]


def state_runs(
    c: Collection, keyword: Keyword, transformer: Space, first: Space, upgraded: np.ndarray, weight: float
) -> tuple[Runs, Runs]:
    """(fused runs, meaning-only runs) with ``upgraded`` documents in the transformer space."""
    settings = Settings()
    doc_ids = list(c.docs)
    up_mask, pending_mask = space_masks(None, upgraded)
    share = float(upgraded.mean())
    fused_runs, dense_runs = {}, {}
    for q, (qid, _) in enumerate(c.queries):
        t = [doc_ids[r] for r in transformer.run(q, up_mask)] if upgraded.any() else []
        f = [doc_ids[r] for r in first.run(q, pending_mask)] if pending_mask is not None else []
        fused_runs[qid] = fused(keyword, qid, t, f, settings, weight, share)
        dense_runs[qid] = t if not f else f if not t else fused(None, qid, t, f, settings, weight, share)
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
        f"fusion as in the product: field-aware RRF k={settings.search_rrf_k}, depth={settings.search_depth}, "
        f"title {settings.search_title_weight}, abstract {settings.search_abstract_weight}, transformer "
        f"{settings.search_semantic_weight} x the share it covers, first pass {settings.search_first_pass_weight}"
    )
    print("\n| set | run | nDCG@10 all | recall@100 all | nDCG@10 held-out | recall@100 held-out |")
    print("|---|---|---:|---:|---:|---:|")
    sweep: list[str] = []
    for c in (load_cisi(SHARED / "cisi"), load_cranfield(SHARED / "cranfield")):
        keyword = Keyword(c)
        texts = [paper_text(t, w) for t, w in c.docs.values()]
        queries = [bench_query(q) for _, q in c.queries]
        first = Space(static.embed(texts), static.embed(queries))
        n = len(texts)
        order = np.random.default_rng(0).permutation(n)
        shares = {}
        for part in (0.0, 0.25, 0.5, 0.75, 1.0):
            shares[part] = np.zeros(n, dtype=bool)
            shares[part][order[: round(n * part)]] = True
        weight = settings.search_first_pass_weight
        print(row(c, "keyword only (BM25: title, abstract)", keyword.alone(settings)))
        pending_fused, pending_dense = state_runs(c, keyword, first, first, shares[0.0], weight)
        print(row(c, "first pass alone (static)", pending_dense))
        print(row(c, "keyword + first pass, nothing upgraded yet", pending_fused))
        for max_tokens in args.max_tokens:
            model = OnnxMiniLM(max_tokens=max_tokens, batch_size=8)
            docs = embeddings(texts, model, args.cache, f"{c.name}-docs")
            transformer = Space(docs, embeddings(queries, model, args.cache, f"{c.name}-queries"))
            done_fused, done_dense = state_runs(c, keyword, transformer, first, shares[1.0], weight)
            print(row(c, f"transformer alone ({model.name})", done_dense))
            print(row(c, f"keyword + transformer, all upgraded ({model.name})", done_fused))
            if max_tokens != args.max_tokens[0]:
                continue
            for part in (0.25, 0.5, 0.75):
                mixed_fused, mixed_dense = state_runs(c, keyword, transformer, first, shares[part], weight)
                if part == 0.5:
                    print(row(c, f"meaning only, halfway ({model.name} + first pass)", mixed_dense))
                print(row(c, f"keyword + both spaces, {part:.0%} upgraded ({model.name} + first pass)", mixed_fused))
            for swept in WEIGHTS:
                pending = state_runs(c, keyword, first, first, shares[0.0], swept)[0]
                mixed = state_runs(c, keyword, transformer, first, shares[0.5], swept)[0]
                sweep.append(row(c, f"first-pass weight {swept}: nothing upgraded", pending))
                sweep.append(row(c, f"first-pass weight {swept}: halfway", mixed))
    print("\nFirst-pass weight sweep:\n")
    print("| set | run | nDCG@10 all | recall@100 all | nDCG@10 held-out | recall@100 held-out |")
    print("|---|---|---:|---:|---:|---:|")
    print("\n".join(sweep))


if __name__ == "__main__":
    main()
