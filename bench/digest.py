"""Digest throughput: plan, compose and deliver to a local SMTP sink, for many subscribers.

Usage: .venv/bin/python bench/digest.py [--subscribers 100000] [--workers 1 2 4] [--postgres URL]
                                       [--day 2026-06-30]

One day of the shared corpus (../shared/corpus/arxiv-daily-2026) is ingested and indexed; N confirmed
subscribers get varied interests (topics from a fixed pool of real research phrases, categories and
followed authors from that day's papers). Measured, per backend and per number of sender processes:
time to plan (one outbox row per subscriber), time to compose and deliver everything to an aiosmtpd sink
running in its own process (it counts messages and keeps nothing), digests/second, and the peak RSS of a
sender process. The baseline, measured in the same run, is the same sender with one connection and no
pipelining of work (``--concurrency 1``, one process). Skips cleanly when ../shared is absent.

The sink advertises PIPELINING (RFC 2920), as Postfix and Exim do; ``--no-pipelining`` measures without.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus" / "arxiv-daily-2026"
TOPICS = [
    "large language models",
    "diffusion models",
    "graph neural networks",
    "reinforcement learning",
    "mixture of experts",
    "retrieval augmented generation",
    "vision transformers",
    "federated learning",
    "speech recognition",
    "robot manipulation",
    "protein structure",
    "time series forecasting",
    "causal inference",
    "differential privacy",
    "neural rendering",
    "code generation",
    "quantization",
    "in-context learning",
    "multimodal reasoning",
    "anomaly detection",
    "optimal transport",
    "world models",
    "autonomous driving",
    "medical imaging",
    "knowledge graphs",
    "contrastive learning",
    "adversarial robustness",
    "program synthesis",
    "scientific machine learning",
    "recommender systems",
]


def serve_sink(
    port: int,
    ready: multiprocessing.synchronize.Event,  # type: ignore[name-defined]
    counter: multiprocessing.sharedctypes.Synchronized,  # type: ignore[name-defined]
    pipelining: bool = True,
) -> None:
    from aiosmtpd.controller import Controller

    class Counter:
        async def handle_EHLO(self, server, session, envelope, hostname, responses):  # type: ignore[no-untyped-def]
            session.host_name = hostname
            if pipelining:  # as Postfix and Exim advertise it
                responses.insert(len(responses) - 1, "250-PIPELINING")
            return responses

        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
            with counter.get_lock():
                counter.value += 1
            return "250 OK"

    controller = Controller(Counter(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    asyncio.run(asyncio.sleep(10**6))


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_subscribers(db, papers_of_day: list[dict], count: int, seed: int = 7) -> None:  # type: ignore[no-untyped-def]
    from paperwire.db.schema import subscribers

    rng = random.Random(seed)
    categories = sorted({c for p in papers_of_day for c in p["categories"]})
    authors = sorted({a for p in papers_of_day for a in p["authors"]})
    now = datetime(2026, 1, 1)
    rows = []
    for n in range(count):
        rows.append(
            {
                "email": f"reader{n:06d}@bench.example.org",
                "status": "confirmed",
                "topics": rng.sample(TOPICS, rng.randint(0, 3)),
                "categories": rng.sample(categories, rng.randint(0, 2)),
                "authors": rng.sample(authors, 1) if rng.random() < 0.1 else [],
                "frequency": "daily",
                "weekday": 0,
                "hour": 7,
                "timezone": "UTC",
                "digest_size": 10,
                "paused": False,
                "hard_bounces": 0,
                "confirm_sent_count": 0,
                "created_at": now,
                "confirmed_at": now,
            }
        )
    for start in range(0, len(rows), 5000):
        with db.write() as conn:
            conn.execute(subscribers.insert(), rows[start : start + 5000])


def high_water_mb(pid: int) -> float:
    """The process's peak RSS so far (VmHWM). Not ``ru_maxrss``: that keeps, across the exec, the size of
    the benchmark process the sender was forked from (it holds the embedding model)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_senders(env: dict[str, str], processes: int, concurrency: int) -> tuple[float, float]:
    """Seconds until every sender process has finished, and the largest peak RSS (MB) among them."""
    command = [sys.executable, "-m", "paperwire", "worker", "send", "--until-empty", "--concurrency", str(concurrency)]
    started = time.perf_counter()
    workers = [
        subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(processes)
    ]
    peak_mb = 0.0
    while any(worker.poll() is None for worker in workers):
        peak_mb = max([peak_mb, *(high_water_mb(w.pid) for w in workers if w.returncode is None)])
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    for worker in workers:
        if worker.returncode:
            raise SystemExit(f"sender failed with exit code {worker.returncode}")
    return seconds, peak_mb


def reset_outbox(db) -> None:  # type: ignore[no-untyped-def]
    """Every digest back to pending for the next run. On PostgreSQL this rewrites 100k rows, leaving as many
    dead row versions in the outbox's indexes; a planned send never starts like that (its rows are fresh
    inserts), so they are vacuumed away first, as autovacuum would between two days' sends."""
    from sqlalchemy import text, update

    from paperwire.db.schema import outbox

    with db.write() as conn:
        conn.execute(
            update(outbox).values(status="pending", attempts=0, lease_owner=None, lease_until=None, sent_at=None)
        )
    if not db.is_sqlite:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE outbox"))


def bench_backend(label: str, url: str, home: Path, args: argparse.Namespace, sink_url: str, counter) -> None:  # type: ignore[no-untyped-def]
    from paperwire.config import Settings
    from paperwire.db.engine import Database
    from paperwire.db.migrate import upgrade
    from paperwire.db.papers import papers_announced_on
    from paperwire.ingest import service
    from paperwire.jobs import pipeline
    from paperwire.search import SearchService

    settings = Settings(home=home, database_url=url)
    db = Database(url)
    upgrade(db)
    day = date.fromisoformat(args.day)
    service.ingest_jsonl(db, settings, [CORPUS / f"{args.day}.jsonl"])
    search = SearchService(settings, db)
    started = time.perf_counter()
    search.catch_up()
    index_seconds = time.perf_counter() - started
    pipeline.after_ingest(db, settings, search)
    papers_of_day = papers_announced_on(db, day, limit=10_000)
    started = time.perf_counter()
    make_subscribers(db, papers_of_day, args.subscribers)
    insert_seconds = time.perf_counter() - started
    started = time.perf_counter()
    plan = pipeline.plan(db, settings, search, day=day)
    plan_seconds = time.perf_counter() - started
    print(
        f"[{label}] {len(papers_of_day)} papers indexed in {index_seconds:.1f}s; {args.subscribers:,} subscribers "
        f"inserted in {insert_seconds:.1f}s; planned {plan.planned:,} digests in {plan_seconds:.1f}s "
        f"({plan.planned / plan_seconds:,.0f}/s)"
    )
    env = {
        **os.environ,
        "PAPERWIRE_HOME": str(home),
        "PAPERWIRE_DATABASE_URL": url,
        "PAPERWIRE_MAIL_URL": sink_url,
        "PAPERWIRE_MAIL_MESSAGES_PER_CONNECTION": "0",
    }
    results = {}
    configs = [(1, 1)] + [(p, c) for p in args.workers for c in args.concurrency]
    peak_mb = 0.0
    for processes, concurrency in dict.fromkeys(configs):  # in order, each once
        reset_outbox(db)
        before = counter.value
        seconds, peak = run_senders(env, processes, concurrency)
        peak_mb = max(peak_mb, peak)
        delivered = counter.value - before
        if delivered != plan.planned:
            raise SystemExit(f"delivered {delivered}, planned {plan.planned}")
        results[(processes, concurrency)] = delivered / seconds
        print(
            f"[{label}] {processes} sender process(es) x {concurrency} connection(s): {delivered:,} digests in "
            f"{seconds:.1f}s = {delivered / seconds:,.0f} digests/s (sender peak RSS {peak:,.0f} MB)",
            flush=True,
        )
    baseline = results[(1, 1)]
    for (processes, concurrency), rate in results.items():
        print(f"[{label}]   {processes}x{concurrency}: x{rate / baseline:.2f} vs 1 process x 1 connection")
    best = max(results.values())
    end_to_end = plan.planned / (plan_seconds + plan.planned / best)
    print(
        f"[{label}] end to end (plan, then deliver with the best setting): {end_to_end:,.0f} digests/s; "
        f"peak RSS: sender {peak_mb:,.0f} MB, planner (this process, with the embedding model) "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB"
    )
    db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4], help="sender processes to try")
    parser.add_argument(
        "--concurrency", type=int, nargs="+", default=[1, 2], help="SMTP connections per sender process to try"
    )
    parser.add_argument("--day", default="2026-06-30", help="corpus day whose papers go out")
    parser.add_argument("--postgres", default=os.environ.get("PAPERWIRE_TEST_POSTGRES_URL"))
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-pipelining", action="store_true", help="the sink does not offer RFC 2920")
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"skipped: shared corpus not found at {CORPUS}")
        return 0
    print(f"paperwire digest benchmark (python {sys.version.split()[0]}, {os.cpu_count()} cores)")
    port = free_port()
    ready = multiprocessing.Event()
    counter = multiprocessing.Value("i", 0)
    sink = multiprocessing.Process(target=serve_sink, args=(port, ready, counter, not args.no_pipelining), daemon=True)
    sink.start()
    ready.wait(30)
    sink_url = f"smtp://127.0.0.1:{port}"
    try:
        if not args.no_sqlite:
            with tempfile.TemporaryDirectory() as tmp:
                bench_backend("sqlite", f"sqlite:///{tmp}/bench.db", Path(tmp), args, sink_url, counter)
        if args.postgres:
            sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
            os.environ.setdefault("PAPERWIRE_TEST_POSTGRES_URL", args.postgres)
            from testkit import databases

            with tempfile.TemporaryDirectory() as tmp, databases.postgres_schema() as url:
                bench_backend("postgres", url, Path(tmp), args, sink_url, counter)
    finally:
        sink.terminate()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
