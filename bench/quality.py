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
import itertools
import json
import math
import os
import random
import re
import string
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import product
from pathlib import Path

import numpy as np

from paperwire.config import Settings
from paperwire.search.calibration import (
    MODEL_PATH,
    HitEvidence,
    MatchModel,
    QueryEvidence,
    features,
    judge,
    load_model,
    title_names_it,
)
from paperwire.search.embedder import Embedder, OnnxMiniLM, Vectors, paper_text
from paperwire.search.fusion import Fused, field_aware_fusion, matches_first, reciprocal_rank_fusion
from paperwire.search.lexical import LexicalDoc, LexicalIndex
from paperwire.search.query import MAX_QUERY_CHARS, parse_query
from paperwire.search.spaces import add_first_pass
from paperwire.search.static import StaticEmbedder

SHARED = Path(os.environ.get("PAPERWIRE_SHARED", "/work/shared")) / "benchmarks"
RUN_DEPTH = 1000  # each single list is computed this deep once; fusion settings cut it
K_GRID = (10, 20, 30, 60)
DEPTH_GRID = (50, 100, 200)
WEIGHT_GRID = (1.0, 1.5, 2.0, 3.0)
_DEFAULTS = Settings.model_fields  # the product's fusion settings, as shipped
PRODUCT_K = int(_DEFAULTS["search_rrf_k"].default)
PRODUCT_DEPTH = int(_DEFAULTS["search_depth"].default)
PRODUCT_WEIGHT = float(_DEFAULTS["search_semantic_weight"].default)
PRODUCT_TITLE = float(_DEFAULTS["search_title_weight"].default)
PRODUCT_ABSTRACT = float(_DEFAULTS["search_abstract_weight"].default)
PRODUCT_FIRST_PASS = float(_DEFAULTS["search_first_pass_weight"].default)
HALF_NAMES = {"dev": "dev", "test": "held-out", "all": "all"}


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


def lexical_index(collection: Collection) -> LexicalIndex:
    index = LexicalIndex(None)
    with index.writing():
        index.add(
            [
                LexicalDoc(n, doc_id, title, text, "", "", [], 0, False)
                for n, (doc_id, (title, text)) in enumerate(collection.docs.items())
            ]
        )
    return index


def lexical_runs(collection: Collection, index: LexicalIndex) -> dict[str, list[tuple[str, float]]]:
    """(doc id, BM25) best first, per query."""
    doc_ids = list(collection.docs)
    runs = {}
    for qid, text in collection.queries:
        scored = index.search_scored(parse_query(bench_query(text)), None, RUN_DEPTH)
        runs[qid] = [(doc_ids[k], score) for k, score in scored]
    return runs


def field_runs(collection: Collection, index: LexicalIndex, field: str) -> dict[str, list[str]]:
    doc_ids = list(collection.docs)
    return {
        qid: [doc_ids[k] for k, _ in index.field_scored(parse_query(bench_query(text)), field, None, RUN_DEPTH)]
        for qid, text in collection.queries
    }


def embeddings(
    texts: list[str], embedder: Embedder, cache: Path | None, label: str, *, one_by_one: bool = False
) -> Vectors:
    """``one_by_one`` for queries: the product embeds each query alone, through the query model (int8
    products where the CPU has VNNI, see search/embedder.py), whose vectors differ a little from a batch's."""
    # Named by the products this CPU's query session takes: query vectors cached on another CPU are not these.
    suffix = f"-single-{getattr(embedder, 'query_products', 'float')}" if one_by_one else ""
    path = cache / f"{label}-{embedder.name}{suffix}.npy" if cache else None
    if path and path.exists():
        loaded: Vectors = np.load(path)
        if len(loaded) == len(texts):
            return loaded
    vectors = single_vectors(texts, embedder) if one_by_one else embedder.embed(texts)
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
    return vectors


def single_vectors(texts: Sequence[str], embedder: Embedder) -> Vectors:
    """Each text embedded alone, as the product embeds a query."""
    return np.stack([embedder.embed([t])[0] for t in texts]) if texts else embedder.embed([])


@dataclass
class Semantic:
    doc_vectors: Vectors
    query_vectors: dict[str, Vectors]

    def cosines(self, qid: str) -> Vectors:
        scores: Vectors = self.doc_vectors @ self.query_vectors[qid]
        return scores


def semantic_vectors(collection: Collection, embedder: Embedder, cache: Path | None) -> Semantic:
    started = time.perf_counter()
    doc_vectors = embeddings(
        [paper_text(t, w) for t, w in collection.docs.values()], embedder, cache, f"{collection.name}-docs"
    )
    query_vectors = embeddings(
        [bench_query(q) for _, q in collection.queries], embedder, cache, f"{collection.name}-queries", one_by_one=True
    )
    print(f"  embedded {collection.name} with {embedder.name} in {time.perf_counter() - started:.0f}s", file=sys.stderr)
    return Semantic(doc_vectors, {qid: v for (qid, _), v in zip(collection.queries, query_vectors, strict=True)})


def semantic_runs(collection: Collection, semantic: Semantic) -> dict[str, list[tuple[str, float]]]:
    """(doc id, cosine) best first, per query: exact search, as the product does below the HNSW threshold."""
    doc_ids = list(collection.docs)
    runs = {}
    for qid, _ in collection.queries:
        scores = semantic.cosines(qid)
        order = np.argsort(-scores, kind="stable")[:RUN_DEPTH]
        runs[qid] = [(doc_ids[i], float(scores[i])) for i in order]
    return runs


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
    index: LexicalIndex
    lexical_scored: dict[str, list[tuple[str, float]]]
    semantic_scored: dict[str, list[tuple[str, float]]]
    semantic_vectors: Semantic
    title: dict[str, list[str]] = field(default_factory=dict)
    abstract: dict[str, list[str]] = field(default_factory=dict)
    first_pass: bool = False  # the meaning list is the first-pass (static) model's, as before the transformer

    def long(self, qid: str) -> bool:
        return parse_query(bench_query(dict(self.collection.queries)[qid])).long_text

    @property
    def lexical(self) -> dict[str, list[str]]:
        return {q: [d for d, _ in run] for q, run in self.lexical_scored.items()}

    @property
    def semantic(self) -> dict[str, list[str]]:
        return {q: [d for d, _ in run] for q, run in self.semantic_scored.items()}

    def hybrid(self, k: int, depth: int, weight: float) -> dict[str, list[str]]:
        lexical, semantic = self.lexical, self.semantic
        return {q: hybrid_run(lexical[q], semantic[q], k, depth, weight) for q in lexical}

    def candidates(self, qid: str) -> tuple[QueryEvidence, list[Fused]]:
        """What the product ranks for this query (field-aware RRF at the product's settings) and the evidence it
        judges them by, as ``SearchService._ranked`` computes them."""
        text = dict(self.collection.queries)[qid]
        parsed = parse_query(bench_query(text))
        lexical = dict(self.lexical_scored[qid][:PRODUCT_DEPTH])
        semantic = self.semantic_scored[qid][:PRODUCT_DEPTH]
        fused = field_aware_fusion(
            self.title[qid],
            self.abstract[qid],
            [] if self.first_pass else [d for d, _ in semantic],
            lexical=list(lexical),
            k=PRODUCT_K,
            depth=PRODUCT_DEPTH,
            title_weight=PRODUCT_TITLE,
            abstract_weight=PRODUCT_ABSTRACT,
            semantic_weight=PRODUCT_WEIGHT,
        )
        if self.first_pass:  # a library the transformer has not reached yet: the first-pass list at its weight
            fused = add_first_pass(fused, [d for d, _ in semantic], k=PRODUCT_K, weight=PRODUCT_FIRST_PASS)
        evidence = QueryEvidence(
            words=len(parsed.text.split()),
            idf_mass=self.index.idf_mass(parsed),
            lexical_top=max(lexical.values(), default=0.0),
            semantic_top=semantic[0][1] if semantic else 0.0,
        )
        cosines = self.semantic_vectors.cosines(qid)
        row = {doc_id: n for n, doc_id in enumerate(self.collection.docs)}
        for hit in fused:
            hit.lexical_score = lexical.get(hit.id)
            hit.cosine = float(cosines[row[hit.id]])
        return evidence, fused

    def judged_hits(self, qid: str, model: MatchModel) -> list[Fused]:
        evidence, fused = self.candidates(qid)
        judge(
            fused,
            evidence,
            {h.id: h.lexical_score for h in fused if h.lexical_score is not None},
            {h.id: h.cosine or 0.0 for h in fused},
            model,
        )
        # as the product does after judging: a short topic that a title names is a match
        text = dict(self.collection.queries)[qid]
        doc_ids = list(self.collection.docs)
        titled = self.index.titles_holding_all(parse_query(bench_query(text)), None, PRODUCT_DEPTH)
        title_names_it(fused, {doc_ids[k] for k in titled}, model.threshold)
        return fused


# --- the match model ----------------------------------------------------------------------------------------


def feature_rows(all_runs: list[Runs], half: str) -> tuple[np.ndarray, np.ndarray]:
    rows, labels = [], []
    for r in all_runs:
        for qid in judged(r.collection, half):
            evidence, fused = r.candidates(qid)
            relevant = r.collection.qrels[qid]
            for hit in fused:
                ev = HitEvidence(hit.lexical_score, hit.cosine or 0.0, hit.lexical_rank, hit.semantic_rank)
                rows.append(features(evidence, ev))
                labels.append(1.0 if hit.id in relevant else 0.0)
    return np.array(rows, dtype=np.float64), np.array(labels, dtype=np.float64)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 50) -> tuple[np.ndarray, float]:
    """Newton's method on the L2-penalised log-loss (features already standardised)."""
    n, d = x.shape
    design = np.hstack([np.ones((n, 1)), x])
    beta = np.zeros(d + 1)
    penalty = np.eye(d + 1) * l2
    penalty[0, 0] = 0.0  # the bias is not shrunk
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(design @ beta)))
        gradient = design.T @ (p - y) + penalty @ beta
        hessian = (design * (p * (1 - p))[:, None]).T @ design + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta[1:], float(beta[0])


CUTS = np.round(np.arange(0.10, 0.91, 0.05), 2)


def fit_match_model(all_runs: list[Runs]) -> MatchModel:
    """Fitted on the dev half only; the threshold is set afterwards by ``choose_threshold``."""
    x, y = feature_rows(all_runs, "dev")
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    weights, bias = fit_logistic((x - mean) / scale, y)
    return MatchModel(tuple(weights), bias, tuple(mean), tuple(scale), threshold=0.5)


def f_beta(precision: float, recall: float, beta: float = 0.5) -> float:
    """F-beta; beta 0.5 weighs precision twice as much as recall (a false "match" costs more than a missed one)."""
    b2 = beta * beta
    return (1 + b2) * precision * recall / (b2 * precision + recall) if precision + recall else 0.0


def dev_curve(all_runs: list[Runs], model: MatchModel) -> list[tuple[float, float, float, float]]:
    """(cut, precision, recall, F0.5) of "a match" on the dev half, both sets pooled, at each cut of ``CUTS``."""
    x, y = feature_rows(all_runs, "dev")
    p = model.probabilities(x)
    curve = []
    for cut in CUTS:
        precision, recall, _f1 = prf(p >= cut, y)
        curve.append((float(cut), precision, recall, f_beta(precision, recall)))
    return curve


def choose_threshold(curves: list[list[tuple[float, float, float, float]]]) -> float:
    """One cut for every space: the one with the best mean dev F0.5 over the spaces' curves (precision first: a
    hit called "a match" should be relevant; recall second). Ties go to the higher cut."""
    best, best_value = 0.5, -1.0
    for rows in zip(*curves, strict=True):
        value = sum(row[3] for row in rows) / len(rows)
        if value >= best_value - 1e-12:
            best, best_value = rows[0][0], max(value, best_value)
    return round(best, 2)


def report_curve(curves: dict[str, list[tuple[float, float, float, float]]], chosen: float) -> None:
    print(f"\n### The match cut on dev (both sets pooled; chosen: {chosen}, the best mean F0.5)\n")
    names = list(curves)
    print("| cut | " + " | ".join(f"{n} precision | {n} recall | {n} F0.5" for n in names) + " |")
    print("|---:|" + "---:|---:|---:|" * len(names))
    for rows in zip(*curves.values(), strict=True):
        cells = " | ".join(f"{pr:.3f} | {rc:.3f} | {f:.3f}" for _cut, pr, rc, f in rows)
        print(f"| {rows[0][0]:.2f} | {cells} |")


def prf(predicted: np.ndarray, labels: np.ndarray) -> tuple[float, float, float]:
    hits = float((predicted & (labels > 0)).sum())
    precision = hits / max(float(predicted.sum()), 1.0)
    recall = hits / max(float((labels > 0).sum()), 1.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def report_calibration(all_runs: list[Runs], model: MatchModel, space: str) -> None:
    print(f"\n### The match signal, {space} (threshold {model.threshold})\n")
    print(
        "Over the product's ranked candidates (field-aware RRF of the top 100 of each list); "
        "*relevant* = judged relevant.\n"
    )
    print(
        "| set | half | queries | candidates | relevant | matches | precision | recall | F1 | Brier | matches/query |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in all_runs:
        for half in ("dev", "test", "all"):
            x, y = feature_rows([r], half)
            p = np.array([model.probability(row) for row in x])
            predicted = p >= model.threshold
            precision, recall, f1 = prf(predicted, y)
            queries = len(judged(r.collection, half))
            brier = float(np.mean((p - y) ** 2))
            print(
                f"| {r.collection.name} | {HALF_NAMES[half]} | {queries} | {len(y)} | {int(y.sum())} | "
                f"{int(predicted.sum())} | {precision:.3f} | {recall:.3f} | {f1:.3f} | {brier:.4f} | "
                f"{predicted.sum() / queries:.1f} |"
            )
    x, y = feature_rows(all_runs, "test")
    p = np.array([model.probability(row) for row in x])
    print("\nReliability on the held-out half (both sets): predicted chance against the share judged relevant.\n")
    print("| predicted | candidates | mean predicted | share relevant |")
    print("|---|---:|---:|---:|")
    edges = [0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.01]
    for low, high in itertools.pairwise(edges):
        inside = (p >= low) & (p < high)
        if inside.any():
            print(
                f"| {low:.2f}–{min(high, 1.0):.2f} | {int(inside.sum())} | {p[inside].mean():.3f} | "
                f"{y[inside].mean():.3f} |"
            )


def random_letter_queries(count: int = 50, seed: int = 13) -> list[str]:
    rng = random.Random(seed)
    return [
        " ".join(
            "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 10)))
            for _ in range(rng.randint(1, 4))
        )
        for _ in range(count)
    ]


def report_nonsense(all_runs: list[Runs], model: MatchModel, embedder: Embedder, space: str) -> None:
    queries = random_letter_queries()
    vectors = single_vectors(queries, embedder)
    print(f"\n### {len(queries)} random-letter queries, {space} (e.g. {queries[0]!r}, {queries[1]!r})\n")
    print("| set | queries with a match | matches | best match |")
    print("|---|---:|---:|---:|")
    for r in all_runs:
        with_match = total = 0
        best = 0.0
        for n, (text, vector) in enumerate(zip(queries, vectors, strict=True)):
            qid = f"nonsense-{n}"
            r.collection.queries.append((qid, text))
            r.semantic_vectors.query_vectors[qid] = vector
            r.lexical_scored[qid] = [
                (list(r.collection.docs)[k], s) for k, s in r.index.search_scored(parse_query(text), None, RUN_DEPTH)
            ]
            doc_ids = list(r.collection.docs)
            for name, runs in (("title", r.title), ("abstract", r.abstract)):
                runs[qid] = [doc_ids[k] for k, _ in r.index.field_scored(parse_query(text), name, None, RUN_DEPTH)]
            cos = r.semantic_vectors.cosines(qid)
            order = np.argsort(-cos)[:RUN_DEPTH]
            r.semantic_scored[qid] = [(list(r.collection.docs)[i], float(cos[i])) for i in order]
            hits = r.judged_hits(qid, model)
            matched = sum(h.matched for h in hits)
            with_match += matched > 0
            total += matched
            best = max([best, *(h.match for h in hits)])
            r.collection.queries.pop()
        print(f"| {r.collection.name} | {with_match} | {total} | {best:.3f} |")


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


# --- ranking changes, each tuned on dev (one setting for both sets) and judged on held-out --------------------


def fuse(lists: list[tuple[list[str], float]], k: int = PRODUCT_K, depth: int = PRODUCT_DEPTH) -> list[str]:
    """Weighted RRF of any number of ranked lists."""
    scores: dict[str, float] = {}
    for ranked, weight in lists:
        for rank, doc in enumerate(ranked[:depth], start=1):
            scores[doc] = scores.get(doc, 0.0) + weight / (k + rank)
    return sorted(scores, key=lambda d: -scores[d])


def shape_weighted(r: Runs, short: float, long: float) -> dict[str, list[str]]:
    """Long natural-language questions (a pasted text) lean on meaning, short ones on words."""
    lexical, semantic = r.lexical, r.semantic
    return {q: fuse([(lexical[q], 1.0), (semantic[q], long if r.long(q) else short)]) for q in lexical}


def field_aware(r: Runs, title: float, abstract: float, semantic_weight: float) -> dict[str, list[str]]:
    """Title and abstract as separate keyword lists, fused with the semantic list."""
    semantic = r.semantic
    return {
        q: fuse([(r.title[q], title), (r.abstract[q], abstract), (semantic[q], semantic_weight)]) for q in r.lexical
    }


def with_title_list(r: Runs, title: float) -> dict[str, list[str]]:
    """Today's RRF plus a title-only keyword list."""
    lexical, semantic = r.lexical, r.semantic
    return {q: fuse([(lexical[q], 1.0), (semantic[q], PRODUCT_WEIGHT), (r.title[q], title)]) for q in lexical}


def score_level(r: Runs, weight: float, *, model: MatchModel) -> dict[str, list[str]]:
    """RRF score (scaled to the query's best) plus ``weight`` x the match chance."""
    out = {}
    for qid in r.lexical_scored:
        if qid not in r.collection.qrels:
            continue
        hits = r.judged_hits(qid, model)
        top = max((h.score for h in hits), default=1.0) or 1.0
        out[qid] = [h.id for h in sorted(hits, key=lambda h: -(h.score / top + weight * h.match))]
    return out


CHANGES: dict[str, tuple[list[tuple[float, ...]], object]] = {}


def dev_mean(all_runs: list[Runs], make: object, setting: tuple[float, ...]) -> float:
    return float(np.mean([score(r.collection, make(r, *setting), judged(r.collection, "dev"))[0] for r in all_runs]))  # type: ignore[operator]


def tuned_changes(all_runs: list[Runs], model: MatchModel) -> dict[str, dict[str, dict[str, list[str]]]]:
    """Each change at its best dev setting: {label: {collection: runs}}."""
    grids: list[tuple[str, object, list[tuple[float, ...]]]] = [
        ("query-shape weight (short, long)", shape_weighted, list(product((1.0, 1.5, 2.0, 3.0), (2, 3, 4, 6, 10)))),
        ("field-aware RRF (title, abstract, semantic)", field_aware, list(product((0.5, 1), (0.5, 1), (1.5, 2, 3)))),
        ("today's RRF + title-only list (weight)", with_title_list, [(0.25,), (0.5,), (1.0,)]),
        ("score-level: RRF/best + w x match (w)", partial(score_level, model=model), [(0.25,), (0.5,), (1.0,), (2.0,)]),
    ]
    out = {}
    for label, make, grid in grids:
        best = max(grid, key=lambda setting: dev_mean(all_runs, make, setting))
        name = f"{label} = {', '.join(f'{v:g}' for v in best)}"
        out[name] = {r.collection.name: make(r, *best) for r in all_runs}  # type: ignore[operator]
    return out


def product_runs(r: Runs, model: MatchModel, order: str) -> dict[str, list[str]]:
    """The product's order (``matches first``) or all candidates by their match chance (``by match``)."""
    out = {}
    for qid in r.lexical_scored:
        if qid not in r.collection.qrels:
            continue
        hits = r.judged_hits(qid, model)
        ranked = matches_first(hits) if order == "matches first" else sorted(hits, key=lambda h: -h.match)
        out[qid] = [h.id for h in ranked]
    return out


def report(
    all_runs: list[Runs],
    model: MatchModel,
    setting: tuple[int, int, float] | None,
    changes: dict[str, dict[str, dict[str, list[str]]]],
) -> None:
    print(
        f"\n### Ranking: today's RRF (k={PRODUCT_K}, depth {PRODUCT_DEPTH}, semantic weight {PRODUCT_WEIGHT}) "
        "and each change\n"
    )
    print("| set | queries | method | nDCG@10 all | recall@100 all | nDCG@10 held-out | recall@100 held-out |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for r in all_runs:
        methods = {
            "keyword (tantivy BM25)": r.lexical,
            "semantic (MiniLM)": r.semantic,
            "today's RRF": r.hybrid(PRODUCT_K, PRODUCT_DEPTH, PRODUCT_WEIGHT),
            "field-aware RRF, matches first (the product's order)": product_runs(r, model, "matches first"),
            "score-level: ranked by match": product_runs(r, model, "by match"),
        }
        if setting is not None:
            methods[f"RRF retuned on dev k={setting[0]} depth={setting[1]} w={setting[2]}"] = r.hybrid(*setting)
        for label, per_set in changes.items():
            methods[label] = per_set[r.collection.name]
        for name, runs in methods.items():
            n_all, r_all = score(r.collection, runs, judged(r.collection, "all"))
            n_test, r_test = score(r.collection, runs, judged(r.collection, "test"))
            print(
                f"| {r.collection.name} | {len(judged(r.collection, 'all'))} | {name} | {n_all:.4f} | {r_all:.4f} "
                f"| {n_test:.4f} | {r_test:.4f} |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--cache", type=Path, default=None, help="Keep embeddings here between runs.")
    parser.add_argument("--fit", action="store_true", help=f"Refit the match model on dev and write {MODEL_PATH}.")
    parser.add_argument("--tune-rrf", action="store_true", help="Also retune RRF k, depth and weight on dev.")
    args = parser.parse_args()
    if not SHARED.exists():
        print(f"skipped: {SHARED} not found")
        return
    collections = [load_cisi(SHARED / "cisi"), load_cranfield(SHARED / "cranfield")]
    embedder = OnnxMiniLM(max_tokens=args.max_tokens, batch_size=8)
    all_runs = []
    for c in collections:
        index = lexical_index(c)
        semantic = semantic_vectors(c, embedder, args.cache)
        runs = Runs(c, index, lexical_runs(c, index), semantic_runs(c, semantic), semantic)
        runs.title, runs.abstract = field_runs(c, index, "title"), field_runs(c, index, "abstract")
        all_runs.append(runs)
    static = StaticEmbedder()
    first_pass_runs = []
    for r in all_runs:
        vectors = semantic_vectors(r.collection, static, args.cache)
        first_pass_runs.append(
            replace(r, semantic_scored=semantic_runs(r.collection, vectors), semantic_vectors=vectors, first_pass=True)
        )
    model, first_pass_model = load_model(), load_model(space="first_pass")
    if args.fit:
        model, first_pass_model = fit_match_model(all_runs), fit_match_model(first_pass_runs)
        # One threshold: each model gives a calibrated chance; "a match" is the same chance in both spaces.
        cut = choose_threshold([dev_curve(all_runs, model), dev_curve(first_pass_runs, first_pass_model)])
        model, first_pass_model = replace(model, threshold=cut), replace(first_pass_model, threshold=cut)
        saved = {"transformer": model.as_dict(), "first_pass": first_pass_model.as_dict()}
        MODEL_PATH.write_text(json.dumps(saved, indent=2) + "\n")
        print(f"fitted on dev, written to {MODEL_PATH}", file=sys.stderr)
    print(
        f"documents truncated at {args.max_tokens} tokens; dev = even positions of the judged queries, "
        "held-out = odd positions"
    )
    report(all_runs, model, tune(all_runs) if args.tune_rrf else None, tuned_changes(all_runs, model))
    curves = {"MiniLM": dev_curve(all_runs, model), "first pass": dev_curve(first_pass_runs, first_pass_model)}
    report_curve(curves, choose_threshold(list(curves.values())))
    report_calibration(all_runs, model, "MiniLM (every paper embedded by the transformer)")
    report_calibration(first_pass_runs, first_pass_model, "first pass (papers only the static model has embedded)")
    report_nonsense(all_runs, model, embedder, "MiniLM")
    report_nonsense(first_pass_runs, first_pass_model, static, "first pass")


if __name__ == "__main__":
    main()
