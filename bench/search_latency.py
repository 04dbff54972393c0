"""Search latency: p50/p95/p99 of ``SearchService.search`` (query embedding included) at the real arXiv
corpus and at synthetic 100k / 1M papers, against a naive baseline measured in the same run.

Usage:
  .venv/bin/python bench/search_latency.py --size real [--embeddings-from PATH.db]
  .venv/bin/python bench/search_latency.py --size 100000
  .venv/bin/python bench/search_latency.py --size 100000 --embeddings-from PATH.db   # real vectors, perturbed
  .venv/bin/python bench/search_latency.py --save-embeddings PATH.db   # the corpus's vectors for the above (~20 min)
  .venv/bin/python bench/search_latency.py --size 1000000 --queries 200
  .venv/bin/python bench/search_latency.py --vector-kinds   # flat vs HNSW, to choose the threshold
  .venv/bin/python bench/search_latency.py --http-url http://127.0.0.1:8000   # a running paperwire serve

- ``real``: the ~18.8k unique papers of ../shared/corpus/arxiv-daily-2026 with real MiniLM embeddings
  (computed here, or copied from a database that already has them, e.g. one ``paperwire index`` built).
- N papers: the real papers replicated with new ids and perturbed text (two abstract words swapped, a
  replica number in the title) and *random unit vectors* as embeddings (embedding a million abstracts on
  two cores would take days; exact search costs the same for any vectors, and random ones are the hard
  case for an HNSW graph: it walks much more of the graph for them than for clustered real vectors).
  With ``--embeddings-from`` the real papers get their real vectors and each replica its original's,
  perturbed (``replica_embeddings``): clustered like a real library.
- The naive baseline: the same query embedding, numpy brute-force inner product over all vectors and an
  SQLite FTS5 ``bm25()`` query, fused with the same RRF.
Each size runs in a fresh process so its peak RSS is its own. Queries are distinct (no cache hits): 2-4
word spans of real titles, some single words, some "phrases".
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path

# isort: off
import paperwire  # noqa: F401  first, so that its numpy thread setting applies here as in the product

# isort: on
import numpy as np

from paperwire.config import Settings
from paperwire.core.records import PaperRecord
from paperwire.db import papers
from paperwire.db.engine import Database
from paperwire.db.migrate import upgrade
from paperwire.db.schema import paper_embeddings
from paperwire.ingest import jsonl
from paperwire.search import SearchService
from paperwire.search.embedder import OnnxMiniLM, paper_text
from paperwire.search.fusion import reciprocal_rank_fusion
from paperwire.search.vectors import FLAT, HNSW, VectorIndex

SHARED = Path(os.environ.get("PAPERWIRE_SHARED", "/work/shared"))
CORPUS = SHARED / "corpus" / "arxiv-daily-2026"
NOW = datetime(2026, 11, 27)
DIM = 384


# --- building the collection --------------------------------------------------------------------------


def real_records() -> list[PaperRecord]:
    unique: dict[str, PaperRecord] = {}
    for page in jsonl.read_jsonl(sorted(CORPUS.glob("*.jsonl"))):
        for item in page.items:
            if isinstance(item, PaperRecord):
                unique.setdefault(item.id, item)
    return list(unique.values())


def replicas(base: list[PaperRecord], size: int, rng: random.Random) -> Iterator[PaperRecord]:
    for i in range(size):
        source = base[i % len(base)]
        if i < len(base):
            yield source
            continue
        words = source.abstract.split()
        if len(words) > 3:
            a, b = rng.randrange(len(words)), rng.randrange(len(words))
            words[a], words[b] = words[b], words[a]
        fields = {f: getattr(source, f) for f in PaperRecord.__slots__}  # type: ignore[attr-defined]
        fields.update(id=f"syn/{i:07d}", title=f"{source.title} (replica {i // len(base)})", abstract=" ".join(words))
        yield PaperRecord(**fields)


def store_records(db: Database, records: Iterator[PaperRecord], batch: int = 2000) -> int:
    count, chunk = 0, []
    for record in records:
        chunk.append(record)
        if len(chunk) == batch:
            count += _store(db, chunk)
            chunk = []
    return count + (_store(db, chunk) if chunk else 0)


def _store(db: Database, chunk: list[PaperRecord]) -> int:
    with db.write() as conn:
        papers.upsert_papers(conn, chunk, now=NOW)
    return len(chunk)


def random_embeddings(db: Database, model: str, rng: np.random.Generator) -> None:
    """Random unit vectors for every paper, stored as paperwire stores real ones."""
    with db.read() as conn:
        rows = conn.exec_driver_sql("SELECT id, seq FROM papers ORDER BY seq").all()
    for start in range(0, len(rows), 20_000):
        chunk = rows[start : start + 20_000]
        store_vectors(db, model, chunk, rng.standard_normal((len(chunk), DIM)).astype(np.float32))


def store_vectors(db: Database, model: str, papers: Sequence[tuple[str, int]], x: np.ndarray) -> None:
    """One vector per (paper id, seq), scaled to unit length and stored as paperwire stores real ones."""
    x = x / np.linalg.norm(x, axis=1, keepdims=True)
    values = [
        {"paper_id": pid, "model": model, "dim": DIM, "vector": v.astype("<f2").tobytes(), "paper_seq": seq}
        for (pid, seq), v in zip(papers, x, strict=True)
    ]
    with db.write() as conn:
        conn.execute(paper_embeddings.insert(), values)


def replica_embeddings(
    db: Database, source: Path, model: str, base: list[PaperRecord], rng: np.random.Generator
) -> None:
    """With ``--embeddings-from`` at N papers: each real paper gets its real vector, each replica (a copy of
    ``base[i % len(base)]``, see ``replicas``) that vector perturbed as ``grown`` perturbs it (cosine ~0.93
    to its original): clusters shaped like real data, where random unit vectors are HNSW's hard case."""
    with sqlite3.connect(source) as src:
        stored = dict(src.execute("SELECT paper_id, vector FROM paper_embeddings WHERE model = ?", (model,)))
    real = np.stack([np.frombuffer(stored[r.id], dtype="<f2").astype(np.float32) for r in base])
    with db.read() as conn:
        rows = conn.exec_driver_sql("SELECT id, seq FROM papers ORDER BY seq").all()
    index_of = {r.id: i for i, r in enumerate(base)}
    for start in range(0, len(rows), 20_000):
        chunk = rows[start : start + 20_000]
        sources = [index_of[pid] if pid in index_of else int(pid.removeprefix("syn/")) % len(base) for pid, _ in chunk]
        noise = rng.standard_normal((len(chunk), DIM)).astype(np.float32) * 0.02
        noise[[pid in index_of for pid, _ in chunk]] = 0.0
        store_vectors(db, model, chunk, real[sources] + noise)


def save_embeddings(path: Path) -> int:
    """The real papers' vectors, embedded as paperwire embeds papers, in a ``paper_embeddings`` table shaped
    like paperwire's (float16), for ``--embeddings-from``; any database ``paperwire index`` built on the corpus
    serves as well."""
    base = real_records()
    embedder = OnnxMiniLM(max_tokens=Settings().search_max_tokens, batch_size=8)
    vectors = embedder.embed([paper_text(r.title, r.abstract) for r in base])
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS paper_embeddings (paper_id TEXT PRIMARY KEY, model TEXT, vector BLOB)")
        conn.executemany(
            "INSERT OR REPLACE INTO paper_embeddings VALUES (?, ?, ?)",
            [(r.id, embedder.name, v.astype("<f2").tobytes()) for r, v in zip(base, vectors, strict=True)],
        )
    return len(base)


def copy_embeddings(db: Database, source: Path, model: str) -> int:
    """Real embeddings made earlier (same corpus, same model) from another paperwire database."""
    with sqlite3.connect(source) as src:
        rows = src.execute("SELECT e.paper_id, e.vector FROM paper_embeddings e WHERE e.model = ?", (model,)).fetchall()
    with db.read() as conn:
        seq_of = dict(conn.exec_driver_sql("SELECT id, seq FROM papers").all())
    values = [
        {"paper_id": pid, "model": model, "dim": DIM, "vector": vec, "paper_seq": seq_of[pid]}
        for pid, vec in rows
        if pid in seq_of
    ]
    with db.write() as conn:
        conn.execute(paper_embeddings.insert(), values)
    return len(values)


# --- queries --------------------------------------------------------------------------------------------


def make_queries(records: list[PaperRecord], count: int, rng: random.Random) -> list[str]:
    queries: set[str] = set()
    while len(queries) < count:
        words = [w.strip(".,:;()[]{}$\\\"'") for w in rng.choice(records).title.split()]
        words = [w for w in words if w.isalpha() and len(w) > 2]
        if not words:
            continue
        kind = rng.random()
        n = 1 if kind < 0.15 else rng.randint(2, min(4, len(words))) if len(words) >= 2 else 1
        start = rng.randrange(len(words) - n + 1)
        text = " ".join(words[start : start + n]).lower()
        queries.add(f'"{text}"' if kind > 0.9 and n > 1 else text)
    return sorted(queries)


# --- the naive baseline ---------------------------------------------------------------------------------


class Naive:
    """numpy brute force + SQLite FTS5 bm25, fused by the same RRF: what one would write first."""

    def __init__(self, db_path: Path, db: Database, embedder: OnnxMiniLM, model: str) -> None:
        self.embedder = embedder
        self.conn = sqlite3.connect(db_path)
        self.conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS naive_fts USING fts5(id UNINDEXED, title, abstract)")
        self.conn.execute("INSERT INTO naive_fts SELECT id, title, abstract FROM papers WHERE NOT deleted")
        self.conn.commit()
        rows = self.conn.execute(
            "SELECT paper_id, vector FROM paper_embeddings WHERE model = ? ORDER BY paper_id", (model,)
        ).fetchall()
        self.ids = [r[0] for r in rows]
        self.matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f2").reshape(-1, DIM).astype(np.float32)

    def search(self, query: str, depth: int = 100) -> list[str]:
        vector = self.embedder.embed([query])[0]
        scores = self.matrix @ vector
        top = np.argpartition(-scores, depth)[:depth]
        semantic = [self.ids[i] for i in top[np.argsort(-scores[top])]]
        match = " ".join(f'"{w}"' for w in query.replace('"', " ").split())
        lexical = [
            r[0]
            for r in self.conn.execute(
                "SELECT id FROM naive_fts WHERE naive_fts MATCH ? ORDER BY bm25(naive_fts) LIMIT ?", (match, depth)
            )
        ]
        fused = reciprocal_rank_fusion(lexical, semantic, k=20, depth=depth, semantic_weight=2.0)
        return [hit.id for hit in fused[:20]]


# --- measuring ------------------------------------------------------------------------------------------


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]  # noqa: E731
    return {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99), "mean": statistics.fmean(ordered)}


def timed_ms(call: Callable[[str], object], queries: list[str]) -> list[float]:
    return timed_wall_cpu_ms(call, queries)[0]


def timed_wall_cpu_ms(call: Callable[[str], object], queries: list[str]) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds (this process, all its threads) of each call. On a loaded machine the
    wall clock mostly measures the wait for a core; the CPU time is what the search itself costs."""
    wall, cpu = [], []
    for query in queries:
        start, start_cpu = time.perf_counter(), time.process_time()
        call(query)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return wall, cpu


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_size(size: str, args: argparse.Namespace, postgres_url: str | None = None) -> dict[str, object]:
    """One collection size on SQLite, or on PostgreSQL when ``postgres_url`` is given (the papers, their
    embeddings and the rows each search reads live there; the naive baseline is SQLite FTS5, so it runs
    only with SQLite)."""
    rng = random.Random(7)
    work = Path(tempfile.mkdtemp(prefix="pw-latency-", dir=args.workdir))
    try:
        settings = Settings(home=work / "home", database_url=postgres_url)
        db = Database(settings.resolved_database_url)
        upgrade(db)
        embedder = OnnxMiniLM(max_tokens=settings.search_max_tokens, batch_size=settings.search_embed_batch_size)
        base = real_records()
        started = time.perf_counter()
        n = len(base) if size == "real" else int(size)
        stored = store_records(db, replicas(base, n, rng))
        store_s = time.perf_counter() - started
        if size == "real" and args.embeddings_from:
            copy_embeddings(db, args.embeddings_from, embedder.name)
        elif args.embeddings_from:
            replica_embeddings(db, args.embeddings_from, embedder.name, base, np.random.default_rng(7))
        elif size != "real":
            random_embeddings(db, embedder.name, np.random.default_rng(7))
        service = SearchService(settings, db, embedder=embedder)
        started = time.perf_counter()
        report = service.catch_up()
        build_s = time.perf_counter() - started
        build_rss = rss_mb()
        queries = make_queries(base, args.queries + 20, rng)
        warm, measured = queries[:20], queries[20:]
        for q in warm:
            service.search(q)
        library, library_cpu = timed_wall_cpu_ms(lambda q: service.search(q, limit=20), measured)
        embed_only = timed_ms(lambda q: embedder.embed([q]), measured)
        search_rss = rss_mb()
        baseline, baseline_cpu = [float("nan")], [float("nan")]
        if postgres_url is None:
            naive = Naive(
                Path(str(settings.resolved_database_url).removeprefix("sqlite:///")), db, embedder, embedder.name
            )
            for q in warm:
                naive.search(q)
            baseline, baseline_cpu = timed_wall_cpu_ms(naive.search, measured)
        return {
            "backend": "postgresql" if postgres_url else "sqlite",
            "size": size,
            "papers": stored,
            "vector_index": service.status().vector_index,
            "vectors": "real" if size == "real" else "real+perturbed" if args.embeddings_from else "random",
            "store_s": round(store_s, 1),
            "catch_up_s": round(build_s, 1),
            "embedded_during_catch_up": report.embedded,
            "rss_after_build_mb": round(build_rss),
            "rss_after_search_mb": round(search_rss),
            "index_dir_mb": round(
                sum(p.stat().st_size for p in (work / "home" / "search").rglob("*") if p.is_file()) / 2**20
            ),
            "queries": len(measured),
            "library_ms": percentiles(library),
            "query_embedding_ms": percentiles(embed_only),
            "naive_ms": percentiles(baseline),
            "library_cpu_ms": percentiles(library_cpu),
            "naive_cpu_ms": percentiles(baseline_cpu),
            "load_average": [round(x, 1) for x in os.getloadavg()],
        }
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def http_latency(args: argparse.Namespace) -> dict[str, object]:
    """GET /api/search on a running ``paperwire serve`` (start it yourself on the index to measure)."""
    import httpx

    rng = random.Random(11)
    queries = make_queries(real_records(), args.queries + 20, rng)
    with httpx.Client(base_url=args.http_url, timeout=30) as client:
        for q in queries[:20]:
            client.get("/api/search", params={"q": q}).raise_for_status()
        times = timed_ms(
            lambda q: client.get("/api/search", params={"q": q, "limit": 20}).raise_for_status(), queries[20:]
        )
    return {"url": args.http_url, "queries": len(queries) - 20, "http_ms": percentiles(times)}


def base_vectors(source: Path | None, rng: np.random.Generator) -> np.ndarray:
    """Real MiniLM vectors of the corpus when a database with them is given, else random unit vectors."""
    if source is None:
        x = rng.standard_normal((20_000, DIM)).astype(np.float32)
    else:
        with sqlite3.connect(source) as conn:
            blobs = [row[0] for row in conn.execute("SELECT vector FROM paper_embeddings")]
        x = np.frombuffer(b"".join(blobs), dtype="<f2").reshape(-1, DIM).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def grown(base: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` vectors: the base ones, then perturbed copies of them (clusters shaped like real data)."""
    picks = base[np.arange(n) % len(base)]
    noise = rng.standard_normal(picks.shape).astype(np.float32) * 0.02
    noise[: len(base)] = 0.0
    x = picks + noise
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def vector_kinds(args: argparse.Namespace) -> list[dict[str, object]]:
    """Vector search alone, exact vs HNSW: latency, and HNSW's recall@10 against exact search."""
    rng = np.random.default_rng(3)
    base = base_vectors(args.embeddings_from, rng)
    results = []
    for n in (10_000, 25_000, 50_000, 100_000):
        x = grown(base, n, rng)
        queries = x[rng.choice(n, 200, replace=False)] + 0.05 * rng.standard_normal((200, DIM)).astype(np.float32)
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
        row: dict[str, object] = {"n": n, "vectors": "real+perturbed" if args.embeddings_from else "random"}
        exact: list[set[int]] = []
        for kind in (FLAT, HNSW):
            index = VectorIndex(DIM, kind=kind, ef_search=128)
            start = time.perf_counter()
            index.add(x)
            row[f"{kind}_build_s"] = round(time.perf_counter() - start, 1)
            found, times = [], []
            for q in queries:
                t = time.perf_counter()
                found.append({nb.row for nb in index.search(q, 100)})
                times.append((time.perf_counter() - t) * 1000)
            row[f"{kind}_ms"] = percentiles(times)
            if kind == FLAT:
                exact = [{nb.row for nb in index.search(q, 10)} for q in queries]
            else:
                hits = [len(e & f) / 10 for e, f in zip(exact, found, strict=True)]
                row["hnsw_recall@10_in_top100"] = round(float(np.mean(hits)), 3)
        results.append(row)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default=None, help="real, or a number of papers")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--embeddings-from", type=Path, default=None)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="Keep the built database and index.")
    parser.add_argument("--vector-kinds", action="store_true")
    parser.add_argument("--http-url", default=None, help="Time /api/search of a running paperwire serve.")
    parser.add_argument("--postgres", default=None, help="Also measure --size on this PostgreSQL (a fresh schema).")
    parser.add_argument("--save-embeddings", type=Path, default=None, help="Embed the corpus into this database.")
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"skipped: {CORPUS} not found")
        return
    if args.save_embeddings:
        print(f"saved {save_embeddings(args.save_embeddings):,} vectors to {args.save_embeddings}", file=sys.stderr)
    if args.vector_kinds:
        print(json.dumps(vector_kinds(args), indent=2))
    if args.http_url:
        print(json.dumps(http_latency(args), indent=2))
    if args.size:
        results = [run_size(args.size, args)]
        if args.postgres:
            sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
            import os

            os.environ.setdefault("PAPERWIRE_TEST_POSTGRES_URL", args.postgres)
            from testkit import databases

            with databases.postgres_schema() as url:
                results.append(run_size(args.size, args, url))
        for result in results:
            print(json.dumps(result, indent=2))
        for result in results:
            lib, naive = result["library_ms"], result["naive_ms"]
            assert isinstance(lib, dict)
            assert isinstance(naive, dict)
            print(
                f"{result['backend']}: {result['papers']:,} papers: library p50 {lib['p50']:.1f} ms, "
                f"p95 {lib['p95']:.1f}, p99 {lib['p99']:.1f}; "
                f"naive (SQLite FTS5 + numpy) p50 {naive['p50']:.1f} ms, p99 {naive['p99']:.1f}; "
                f"ratio p50 x{naive['p50'] / lib['p50']:.2f}, p99 x{naive['p99'] / lib['p99']:.2f}; "
                f"load average {result['load_average']}",
                file=sys.stderr,
            )


if __name__ == "__main__":
    main()
