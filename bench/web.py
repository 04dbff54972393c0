"""Web throughput: requests/s and latency percentiles of the real server (uvicorn) on this machine.

Usage: .venv/bin/python bench/web.py [--seconds 15] [--clients 32] [--days 61]

Loads the shared corpus (../shared/corpus/arxiv-daily-2026: 18.8k papers) into a fresh SQLite database,
builds the search index and trending scores, starts `paperwire serve` in its own process, and drives it from
this process with an asyncio HTTP client (loopback only, bounded in time). Endpoints: the trending page `/`,
the search page `/search?q=…`, `/api/search?q=…`, `/api/trending`. Queries rotate through a fixed list.
The baseline measured in the same run is `/healthz` (the framework's floor: routing, middleware, no work).
Skips cleanly when ../shared is absent.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus" / "arxiv-daily-2026"
QUERIES = [
    "diffusion models",
    "graph neural networks",
    "reinforcement learning from human feedback",
    "mixture of experts",
    "speech recognition",
    "protein",
    "retrieval augmented generation",
    "vision transformer",
    "federated learning",
    "2606.27377",
    "quantization",
    "robot manipulation",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare(home: Path, days: int) -> None:
    from paperwire.config import Settings
    from paperwire.db.engine import Database
    from paperwire.db.migrate import upgrade
    from paperwire.ingest import service
    from paperwire.jobs import pipeline
    from paperwire.search import SearchService

    settings = Settings(home=home)
    db = Database(settings.resolved_database_url)
    upgrade(db)
    started = time.perf_counter()
    service.ingest_jsonl(db, settings, sorted(CORPUS.glob("*.jsonl"))[:days])
    pipeline.after_ingest(db, settings, SearchService(settings, db))
    print(f"prepared {home} in {time.perf_counter() - started:.0f}s")
    db.dispose()


async def hammer(base: str, paths: list[str], seconds: float, clients: int) -> tuple[int, list[float], int]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def one_client(offset: int) -> None:
            nonlocal errors
            n = offset
            while time.perf_counter() < deadline:
                path = paths[n % len(paths)]
                n += 1
                started = time.perf_counter()
                response = await client.get(path)
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    errors += 1

        await asyncio.gather(*(one_client(i) for i in range(clients)))
    return len(latencies), latencies, errors


def report(name: str, count: int, latencies: list[float], errors: int, seconds: float) -> float:
    ordered = sorted(latencies)
    p50 = ordered[len(ordered) // 2] * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    rate = count / seconds
    print(f"  {name:<28} {rate:>7,.0f} req/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   errors {errors}")
    return rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--days", type=int, default=61)
    parser.add_argument("--home", type=Path, help="reuse a prepared PAPERWIRE_HOME")
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"skipped: shared corpus not found at {CORPUS}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp)
        if not (home / "paperwire.db").exists():
            prepare(home, args.days)
        port = free_port()
        env = {**os.environ, "PAPERWIRE_HOME": str(home), "PAPERWIRE_LOG_LEVEL": "WARNING"}
        server = subprocess.Popen(
            [sys.executable, "-m", "paperwire", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    if httpx.get(f"{base}/readyz").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            print(
                f"paperwire web benchmark ({os.cpu_count()} cores, {args.clients} concurrent clients, "
                f"{args.seconds:.0f}s per endpoint, one uvicorn worker)"
            )
            targets = {
                "/healthz (baseline)": ["/healthz"],
                "/ (trending page)": ["/", "/?window=week", "/?window=month"],
                "/search?q= (page)": [f"/search?q={q}" for q in QUERIES],
                "/api/search?q=": [f"/api/search?q={q}" for q in QUERIES],
                "/api/trending": ["/api/trending", "/api/trending?window=week"],
            }
            rates = {}
            for name, paths in targets.items():
                asyncio.run(hammer(base, paths, 2.0, args.clients))  # warm caches and connections
                count, latencies, errors = asyncio.run(hammer(base, paths, args.seconds, args.clients))
                rates[name] = report(name, count, latencies, errors, args.seconds)
            baseline = rates["/healthz (baseline)"]
            for name, rate in rates.items():
                print(f"  {name:<28} {rate / baseline:5.2f}x of the /healthz floor")
        finally:
            server.terminate()
            server.wait(timeout=20)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
