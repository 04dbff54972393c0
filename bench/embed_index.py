"""Index the shared arXiv corpus (../shared/corpus/arxiv-daily-2026) from an empty home, as a new user would,
and time each stage: every paper in the database; every paper in keyword search and in meaning-based search
with the first-pass model (one catch-up: both are published together); every paper upgraded to the
transformer (newest first, in rounds of ``--round`` papers, the way a web node's background loop does it).

Usage: .venv/bin/python bench/embed_index.py [--days 61] [--upgrade-seconds 1200] [--round 1024] [--json PATH]

When the upgrade does not finish within ``--upgrade-seconds`` it stops there and the time to finish is
extrapolated from the rate measured so far (said so in the output). The machine's load average is printed
at the start and the end: on a shared machine the figures move with it, so the CPU seconds this process used
are printed too (``*_cpu_s``): papers per CPU-second do not depend on how many other jobs share the cores.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from paperwire.config import Settings
from paperwire.db.engine import Database
from paperwire.db.migrate import upgrade
from paperwire.ingest.service import ingest_jsonl
from paperwire.search import SearchService

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "arxiv-daily-2026"
if not CORPUS.exists():
    CORPUS = Path("/work/shared/corpus/arxiv-daily-2026")


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def now() -> str:
    return time.strftime("%H:%M:%S", time.gmtime())


def directory_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=61)
    parser.add_argument("--upgrade-seconds", type=float, default=1200.0)
    parser.add_argument("--round", type=int, default=1024)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"skipped: {CORPUS} not found")
        return
    out: dict[str, object] = {"load_start": load(), "cpus": os.cpu_count()}
    print(f"{now()} UTC start, load {load()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="paperwire-embed-index-") as tmp:
        home = Path(tmp)
        settings = Settings(home=home, database_url=f"sqlite:///{home / 'paperwire.db'}")
        db = Database(settings.resolved_database_url)
        upgrade(db)
        started, cpu_started = time.perf_counter(), time.process_time()
        ingest_jsonl(db, settings, sorted(CORPUS.glob("*.jsonl"))[: args.days])
        out["ingest_s"] = round(time.perf_counter() - started, 1)
        out["ingest_cpu_s"] = round(time.process_time() - cpu_started, 1)
        service = SearchService(settings, db)
        _ = service.embedder, service.first_pass  # model loading is not indexing
        cpu = time.process_time()
        first = service.catch_up(upgrade=0)
        out["first_pass_catch_up_cpu_s"] = round(time.process_time() - cpu, 1)
        out["papers"] = first.indexed
        out["first_pass_catch_up_s"] = round(first.seconds, 1)
        out["searchable_s"] = round(time.perf_counter() - started, 1)
        print(
            f"{now()} {first.indexed:,} papers searchable (keywords + first pass) {out['searchable_s']}s after start, "
            f"load {load()}",
            flush=True,
        )
        upgrade_started, upgrade_cpu = time.perf_counter(), time.process_time()
        done, pending = 0, first.pending
        while pending and time.perf_counter() - upgrade_started < args.upgrade_seconds:
            report = service.catch_up(upgrade=args.round)
            done += report.upgraded
            pending = report.pending
            elapsed = time.perf_counter() - upgrade_started
            cpu_s = time.process_time() - upgrade_cpu
            print(
                f"{now()}  upgraded {done:,} in {elapsed:.0f}s ({done / elapsed:.1f}/s; "
                f"{done / cpu_s:.1f} per CPU-second), {pending:,} pending, load {load()}",
                flush=True,
            )
        elapsed = time.perf_counter() - upgrade_started
        out["upgrade_cpu_s"] = round(time.process_time() - upgrade_cpu, 1)
        rate = done / elapsed if elapsed else 0.0
        out["upgraded"] = done
        out["upgrade_s"] = round(elapsed, 1)
        out["upgrade_rate_per_s"] = round(rate, 1)
        out["upgrade_finished"] = pending == 0
        out["fully_upgraded_s"] = round(time.perf_counter() - started, 1) if pending == 0 else None
        out["fully_upgraded_extrapolated_s"] = (
            round(out["searchable_s"] + first.indexed / rate, 1) if rate else None  # type: ignore[operator]
        )
        out["index_bytes"] = directory_bytes(home / "search")
        out["database_bytes"] = (home / "paperwire.db").stat().st_size
        out["load_end"] = load()
        db.dispose()
    text = json.dumps(out, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text)
    print("shared 2-core machine: figures move with the load printed above", file=sys.stderr)


if __name__ == "__main__":
    main()
