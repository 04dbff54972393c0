"""Search on the shared arXiv corpus: author queries and random-letter queries, through ``SearchService``.

Usage:
  .venv/bin/python bench/search_corpus.py                       # authors on the whole corpus
  .venv/bin/python bench/search_corpus.py --real-home DIR       # + nonsense queries on an indexed home

- Authors: 200 authors with two or more papers in ../shared/corpus/arxiv-daily-2026 (seeded choice), the query
  is the name as printed (and, in the same run, "Surname, Given" and lower case); recall@10 = the share of
  the author's papers in the first 10 hits, out of min(10, papers). The author path (name keys in the keyword
  index, newest first) does not use embeddings, so the papers get random unit vectors here: embedding 19k
  abstracts with MiniLM takes most of an hour on the shared 2-core machine.
- Random letters: 50 queries of 1-4 random "words" on a home indexed with real MiniLM vectors (``--real-home``,
  e.g. a few corpus days ingested and ``paperwire index``-ed): how many hits are shown as matches.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import string
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import numpy as np

from paperwire.config import Settings
from paperwire.core.records import PaperRecord
from paperwire.db import papers
from paperwire.db.engine import Database
from paperwire.db.migrate import upgrade
from paperwire.db.schema import paper_embeddings
from paperwire.ingest import jsonl
from paperwire.search import SearchService
from paperwire.search.embedder import OnnxMiniLM

SHARED = Path(os.environ.get("PAPERWIRE_SHARED", "/work/shared"))
CORPUS = SHARED / "corpus" / "arxiv-daily-2026"
NOW = datetime(2026, 11, 27)
DIM = 384


def corpus_records() -> list[PaperRecord]:
    unique: dict[str, PaperRecord] = {}
    for page in jsonl.read_jsonl(sorted(CORPUS.glob("*.jsonl"))):
        for item in page.items:
            if isinstance(item, PaperRecord):
                unique[item.id] = item  # the last listing of a paper is its current version
    return list(unique.values())


def build(work: Path, records: list[PaperRecord], model: str) -> SearchService:
    settings = Settings(home=work / "home")
    db = Database(settings.resolved_database_url)
    upgrade(db)
    for start in range(0, len(records), 2000):
        with db.write() as conn:
            papers.upsert_papers(conn, records[start : start + 2000], now=NOW)
    rng = np.random.default_rng(7)
    with db.read() as conn:
        rows = conn.exec_driver_sql("SELECT id, seq FROM papers ORDER BY seq").all()
    x = rng.standard_normal((len(rows), DIM)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    values = [
        {"paper_id": pid, "model": model, "dim": DIM, "vector": v.astype("<f2").tobytes(), "paper_seq": seq}
        for (pid, seq), v in zip(rows, x, strict=True)
    ]
    with db.write() as conn:
        conn.execute(paper_embeddings.insert(), values)
    embedder = OnnxMiniLM(max_tokens=settings.search_max_tokens, batch_size=settings.search_embed_batch_size)
    service = SearchService(settings, db, embedder=embedder)
    service.catch_up()
    return service


def comma_form(name: str) -> str:
    parts = name.split()
    return f"{parts[-1]}, {' '.join(parts[:-1])}" if len(parts) > 1 else name


def author_bench(service: SearchService, records: list[PaperRecord], count: int) -> None:
    by_author: dict[str, set[str]] = defaultdict(set)
    for record in records:
        for name in record.authors:
            by_author[name].add(record.id)
    eligible = sorted(name for name, ids in by_author.items() if len(ids) >= 2 and len(name.split()) >= 2)
    chosen = random.Random(13).sample(eligible, count)
    print(f"\n### Author queries: {count} of {len(eligible):,} authors with two or more papers\n")
    print("| query form | authors | mean recall@10 | all papers in the top 10 | p50 ms | p99 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    misses: list[str] = []
    for label, form in (("as printed", str), ('"Surname, Given"', comma_form), ("lower case", str.lower)):
        recalls, times = [], []
        for name in chosen:
            wanted = by_author[name]
            started = time.perf_counter()
            hits = service.search(form(name), limit=10).hits
            times.append((time.perf_counter() - started) * 1000)
            found = {hit.id for hit in hits} & wanted
            recalls.append(len(found) / min(10, len(wanted)))
            if label == "as printed" and recalls[-1] < 1:
                misses.append(f"{name} ({len(found)}/{min(10, len(wanted))})")
        times.sort()
        full = sum(r == 1.0 for r in recalls)
        print(
            f"| {label} | {count} | {np.mean(recalls):.3f} | {full} | {times[len(times) // 2]:.1f} | "
            f"{times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]:.1f} |"
        )
    if misses:
        print(f"\nNot all papers found (as printed): {', '.join(misses[:20])}")


def random_letter_queries(count: int = 50, seed: int = 13) -> list[str]:
    rng = random.Random(seed)
    return [
        " ".join(
            "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 10)))
            for _ in range(rng.randint(1, 4))
        )
        for _ in range(count)
    ]


def nonsense_bench(home: Path) -> None:
    settings = Settings(home=home)
    service = SearchService(settings, Database(settings.resolved_database_url))
    documents = service.status().documents
    queries = random_letter_queries()
    shown = with_match = 0
    best = 0.0
    for query in queries:
        results = service.search(query, limit=20)
        shown += results.matches
        with_match += results.matches > 0
        best = max([best, *(hit.match for hit in results.hits)])
    print(f"\n### {len(queries)} random-letter queries on {documents:,} corpus papers with MiniLM vectors\n")
    print("| queries | queries with a match | matches shown | highest match chance |")
    print("|---:|---:|---:|---:|")
    print(f"| {len(queries)} | {with_match} | {shown} | {best:.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--authors", type=int, default=200)
    parser.add_argument("--real-home", type=Path, default=None, help="A PAPERWIRE_HOME indexed with real vectors.")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"skipped: {CORPUS} not found")
        return
    records = corpus_records()
    work = Path(tempfile.mkdtemp(prefix="pw-corpus-", dir=args.workdir))
    try:
        started = time.perf_counter()
        service = build(work, records, OnnxMiniLM().name)
        print(
            f"{len(records):,} corpus papers stored and indexed in {time.perf_counter() - started:.0f}s",
            file=sys.stderr,
        )
        author_bench(service, records, args.authors)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.real_home is not None:
        nonsense_bench(args.real_home)


if __name__ == "__main__":
    main()
