"""Ingest throughput: parse + store records/s for OAI-PMH XML and JSONL, on SQLite and PostgreSQL.

Usage: .venv/bin/python bench/ingest.py [--postgres URL] [--jsonl-days N]

Reads the shared material (../shared): the 3-page OAI-PMH chain (2,265 records) and the arXiv daily corpus.
Skips cleanly when ../shared is absent. For each database it measures, in one run:
- parse only (the ceiling),
- parse + store into an empty database (the real first ingest),
- the same again (every record unchanged: the idempotent rerun),
- a naive baseline: the same store code with one transaction per record (what batching buys).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import create_engine, text

from paperwire.core.records import Page
from paperwire.db.engine import Database, normalize_url
from paperwire.db.migrate import upgrade
from paperwire.ingest import jsonl, oai
from paperwire.ingest.pipeline import ingest

SHARED = Path(os.environ.get("PAPERWIRE_SHARED", Path(__file__).resolve().parents[2] / "shared"))
OAI_CHAIN = [SHARED / f"fixtures/oaipmh/SciXHarvesterPipeline/ListRecords_data_{i}.xml" for i in range(3)]
CORPUS = SHARED / "corpus/arxiv-daily-2026"


def oai_pages() -> list[Page]:
    return list(oai.parse_oai_files(OAI_CHAIN))


def jsonl_pages(days: int) -> list[Page]:
    return list(jsonl.read_jsonl(sorted(CORPUS.glob("*.jsonl"))[:days]))


def count_records(pages: list[Page]) -> int:
    return sum(len(p.items) for p in pages)


def rebatch(pages: list[Page], size: int) -> Iterator[Page]:
    items = [item for page in pages for item in page.items]
    for start in range(0, len(items), size):
        yield Page(items[start : start + size], label=f"{start}", resume=None)


def timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def sqlite_database(tmp: Path) -> Database:
    db = Database(f"sqlite:///{tmp / f'{uuid.uuid4().hex}.db'}")
    upgrade(db)
    return db


def postgres_database(url: str) -> tuple[Database, Callable[[], None]]:
    schema = f"pw_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalize_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    from sqlalchemy.engine import make_url

    scoped = make_url(normalize_url(url)).update_query_dict({"options": f"-csearch_path={schema}"})
    db = Database(scoped.render_as_string(hide_password=False))
    upgrade(db)

    def drop() -> None:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return db, drop


def measure(
    name: str,
    make_db: Callable[[], tuple[Database, Callable[[], None]]],
    pages: list[Page],
    parse_seconds: float,
    baseline_records: int,
) -> None:
    n = count_records(pages)
    db, cleanup = make_db()
    try:
        first = timed(lambda: ingest(db, iter(pages)))
        again = timed(lambda: ingest(db, iter(pages)))
    finally:
        cleanup()
    subset = [item for page in pages for item in page.items][:baseline_records]
    db, cleanup = make_db()
    try:
        naive = timed(lambda: ingest(db, rebatch([Page(subset, "all")], 1)))
    finally:
        cleanup()
    naive_rate = len(subset) / naive
    print(
        f"  {name:<9} parse+store {n / (parse_seconds + first):>7,.0f} rec/s"
        f" | store only {n / first:>7,.0f} rec/s"
        f" | rerun (all unchanged) {n / again:>7,.0f} rec/s | naive 1 txn/record {naive_rate:>6,.0f} rec/s"
        f" (batched store x{(n / first) / naive_rate:.1f})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("PAPERWIRE_TEST_POSTGRES_URL"),
        help="PostgreSQL URL (default $PAPERWIRE_TEST_POSTGRES_URL); omitted = SQLite only",
    )
    parser.add_argument("--jsonl-days", type=int, default=61, help="corpus day files to read (61 = all)")
    parser.add_argument("--baseline-records", type=int, default=1000)
    args = parser.parse_args()
    if not OAI_CHAIN[0].exists() or not CORPUS.exists():
        print(f"skipped: shared material not found at {SHARED}")
        return 0
    print(f"paperwire ingest benchmark  (python {sys.version.split()[0]}, {os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        backends: list[tuple[str, Callable[[], tuple[Database, Callable[[], None]]]]] = [
            ("sqlite", lambda: (sqlite_database(tmp), lambda: None)),
        ]
        if args.postgres:
            backends.append(("postgres", lambda: postgres_database(args.postgres)))
        for label, load in (
            ("OAI-PMH XML", oai_pages),
            ("JSONL corpus", lambda: jsonl_pages(args.jsonl_days)),
        ):
            start = time.perf_counter()
            pages = load()
            parse_seconds = time.perf_counter() - start
            n = count_records(pages)
            print(f"{label}: {n:,} records; parse only {n / parse_seconds:,.0f} rec/s")
            for name, make_db in backends:
                measure(name, make_db, pages, parse_seconds, args.baseline_records)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
