"""Search quality: nDCG@10 and recall@100 of keyword-only, semantic-only and hybrid search on CISI and
Cranfield, all in one run, through paperwire's own search components (tantivy index, ONNX embedder,
faiss, reciprocal rank fusion).

Usage: .venv/bin/python bench/quality.py [--max-tokens 128 256] [--cache DIR]

RRF k, depth and the semantic weight are tuned on a dev half of each set's queries (even positions) and
reported on the held-out half (odd positions) as well as on all queries, so the chosen setting is not
fitted to the figures it is judged by. One setting is chosen for both sets (the product has one).
Queries are used as the collections give them, except that double quotes are removed (they would become
phrase queries) and the few longer than 1,000 characters are cut there (paperwire's query limit).
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import product
from pathlib import Path

import numpy as np

from paperwire.search.embedder import OnnxMiniLM, Vectors, paper_text
from paperwire.search.fusion import reciprocal_rank_fusion
from paperwire.search.lexical import LexicalDoc, LexicalIndex
from paperwire.search.query import MAX_QUERY_CHARS, parse_query
from paperwire.search.vectors import VectorIndex

SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
RUN_DEPTH = 1000  # each single list is computed this deep once; fusion settings cut it
K_GRID = (10, 20, 30, 60)
DEPTH_GRID = (50, 100, 200)
WEIGHT_GRID = (1.0, 1.5, 2.0, 3.0)


@dataclass
class Collection:
    name: str
    docs: dict[str, tuple[str, str]]  # id -> (title, text)
    queries: list[tuple[str, str]]  # (query id, text), in file order
    qrels: dict[str, dict[str, float]]  # query id -> doc id -> gain


# --- reading the collections ------------------------------------------------------------------------------


def smart_records(path: Path) -> Iterable[dict[str, str]]:
    """Records of the SMART format: ``.I id`` then fields ``.T``, ``.W``, ... until the next ``.I``."""
    record: dict[str, str] = {}
    field = None
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith(".I"):
            if record:
                yield record
            record, field = {"I": line[2:].strip()}, None
        elif re.fullmatch(r"\.[A-Z]", line.strip()):
            field = line.strip()[1]
            record.setdefault(field, "")
        elif field:
            record[field] += " " + line.strip()
    if record:
        yield record


def load_cisi(root: Path) -> Collection:
    docs = {r["I"]: (r.get("T", "").strip(), r.get("W", "").strip()) for r in smart_records(root / "CISI.ALL")}
    queries = [(r["I"], r.get("W", "").strip()) for r in smart_records(root / "CISI.QRY")]
    qrels: dict[str, dict[str, float]] = {}
    for line in (root / "CISI.REL").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2:
            qrels.setdefault(parts[0], {})[parts[1]] = 1.0
    return Collection("CISI", docs, queries, qrels)


def load_cranfield(root: Path) -> Collection:
    docs = {
        str(int(r["I"])): (r.get("T", "").strip(), r.get("W", "").strip())
        for r in smart_records(root / "cran.all.1400")
    }
    # cranqrel numbers queries 1..225 in file order (the .I numbers in cran.qry have gaps).
    queries = [(str(n), r.get("W", "").strip()) for n, r in enumerate(smart_records(root / "cran.qry"), start=1)]
    qrels: dict[str, dict[str, float]] = {}
    for line in (root / "cranqrel").read_text().splitlines():
        parts = line.split()
        if len(parts) == 3 and 1 <= int(parts[2]) <= 4:
            qrels.setdefault(parts[0], {})[parts[1]] = 5.0 - int(parts[2])  # code 1 (complete answer) -> 4
    return Collection("Cranfield", docs, queries, qrels)


# --- metrics ----------------------------------------------------------------------------------------------


def ndcg_at(ranked: Sequence[str], gains: dict[str, float], k: int = 10) -> float:
    dcg = sum(gains.get(d, 0.0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(gains.values(), reverse=True)[:k]))
    return dcg / ideal if ideal else 0.0


def recall_at(ranked: Sequence[str], gains: dict[str, float], k: int = 100) -> float:
    return len(set(ranked[:k]) & set(gains)) / len(gains) if gains else 0.0


# --- the runs ---------------------------------------------------------------------------------------------


def bench_query(text: str) -> str:
    cleaned = " ".join(text.replace('"', " ").split())
    return cleaned[:MAX_QUERY_CHARS].rsplit(" ", 1)[0] if len(cleaned) > MAX_QUERY_CHARS else cleaned


def lexical_runs(collection: Collection) -> dict[str, list[str]]:
    index = LexicalIndex(None)
    doc_ids = list(collection.docs)
    with index.writing():
        index.add(
            [
                LexicalDoc(n, doc_id, title, text, "", "", [], 0, False)
                for n, (doc_id, (title, text)) in enumerate(collection.docs.items())
            ]
        )
    runs = {}
    for qid, text in collection.queries:
        keys = index.search(parse_query(bench_query(text)), None, RUN_DEPTH)
        runs[qid] = [doc_ids[k] for k in keys]
    return runs


def embeddings(texts: list[str], embedder: OnnxMiniLM, cache: Path | None, label: str) -> Vectors:
    path = cache / f"{label}-{embedder.name}.npy" if cache else None
    if path and path.exists():
        loaded: Vectors = np.load(path)
        return loaded
    vectors = embedder.embed(texts)
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
    return vectors


def semantic_runs(collection: Collection, embedder: OnnxMiniLM, cache: Path | None) -> dict[str, list[str]]:
    doc_ids = list(collection.docs)
    started = time.perf_counter()
    doc_vectors = embeddings(
        [paper_text(t, w) for t, w in collection.docs.values()], embedder, cache, f"{collection.name}-docs"
    )
    query_vectors = embeddings(
        [bench_query(q) for _, q in collection.queries], embedder, cache, f"{collection.name}-queries"
    )
    print(f"  embedded {collection.name} with {embedder.name} in {time.perf_counter() - started:.0f}s", file=sys.stderr)
    index = VectorIndex(embedder.dim)
    index.add(doc_vectors)
    return {
        qid: [doc_ids[n.row] for n in index.search(vector, RUN_DEPTH)]
        for (qid, _), vector in zip(collection.queries, query_vectors, strict=True)
    }


def hybrid_run(lexical: list[str], semantic: list[str], k: int, depth: int, weight: float) -> list[str]:
    fused = reciprocal_rank_fusion(lexical, semantic, k=k, depth=depth, semantic_weight=weight)
    return [hit.id for hit in fused]


def judged(collection: Collection, half: str) -> list[str]:
    ids = [qid for qid, _ in collection.queries if qid in collection.qrels]
    if half == "dev":
        return ids[0::2]
    if half == "test":
        return ids[1::2]
    return ids


def score(collection: Collection, runs: dict[str, list[str]], qids: list[str]) -> tuple[float, float]:
    ndcg = float(np.mean([ndcg_at(runs[q], collection.qrels[q]) for q in qids]))
    recall = float(np.mean([recall_at(runs[q], collection.qrels[q]) for q in qids]))
    return ndcg, recall


@dataclass
class Runs:
    collection: Collection
    lexical: dict[str, list[str]]
    semantic: dict[str, list[str]]

    def hybrid(self, k: int, depth: int, weight: float) -> dict[str, list[str]]:
        return {q: hybrid_run(self.lexical[q], self.semantic[q], k, depth, weight) for q in self.lexical}


def tune(all_runs: list[Runs]) -> tuple[int, int, float]:
    """The (k, depth, weight) with the best mean dev nDCG@10 over both collections."""
    best, best_value = (60, 100, 1.0), -1.0
    for k, depth, weight in product(K_GRID, DEPTH_GRID, WEIGHT_GRID):
        value = float(
            np.mean([score(r.collection, r.hybrid(k, depth, weight), judged(r.collection, "dev"))[0] for r in all_runs])
        )
        if value > best_value:
            best, best_value = (k, depth, weight), value
    return best


def report(all_runs: list[Runs], setting: tuple[int, int, float], label: str) -> None:
    k, depth, weight = setting
    print(f"\n### {label}: hybrid = RRF k={k}, depth={depth}, semantic weight={weight}\n")
    print("| set | queries | method | nDCG@10 all | recall@100 all | nDCG@10 held-out | recall@100 held-out |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for r in all_runs:
        methods = {
            "keyword (tantivy BM25)": r.lexical,
            "semantic (MiniLM)": r.semantic,
            "hybrid (RRF)": r.hybrid(k, depth, weight),
            "hybrid, default k=60 depth=100 w=1": r.hybrid(60, 100, 1.0),
        }
        for name, runs in methods.items():
            n_all, r_all = score(r.collection, runs, judged(r.collection, "all"))
            n_test, r_test = score(r.collection, runs, judged(r.collection, "test"))
            print(
                f"| {r.collection.name} | {len(judged(r.collection, 'all'))} | {name} | {n_all:.4f} | {r_all:.4f} "
                f"| {n_test:.4f} | {r_test:.4f} |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-tokens", type=int, nargs="+", default=[128, 256])
    parser.add_argument("--cache", type=Path, default=None, help="Keep embeddings here between runs.")
    args = parser.parse_args()
    if not SHARED.exists():
        print(f"skipped: {SHARED} not found")
        return
    collections = [load_cisi(SHARED / "cisi"), load_cranfield(SHARED / "cranfield")]
    lexical = {c.name: lexical_runs(c) for c in collections}
    for max_tokens in args.max_tokens:
        embedder = OnnxMiniLM(max_tokens=max_tokens, batch_size=8)
        all_runs = [Runs(c, lexical[c.name], semantic_runs(c, embedder, args.cache)) for c in collections]
        setting = tune(all_runs)
        report(all_runs, setting, f"documents truncated at {max_tokens} tokens")


if __name__ == "__main__":
    main()
