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
import re
import shutil
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


def wrk_run(base: str, paths: list[str], seconds: float, clients: int) -> tuple[float, float, float, int]:
    """Drive the server with wrk (C, two threads): (req/s, p50 ms, p99 ms, non-2xx)."""
    quoted = ", ".join('"' + p.replace('"', "%22").replace(" ", "%20") + '"' for p in paths)
    script = (
        f"paths = {{{quoted}}}\ncounter = 0\nrequest = function()\n  counter = counter + 1\n"
        f"  return wrk.format('GET', paths[(counter % #paths) + 1])\nend\n"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{clients}", f"-d{int(seconds)}s", "--latency", "-s", handle.name, base],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50, p99 = (_ms(re.search(rf"\s{q}%\s+([\d.]+\w+)", out).group(1)) for q in ("50", "99"))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, p50, p99, int(bad.group(1)) if bad else 0


def _ms(text: str) -> float:
    value, unit = float(re.match(r"[\d.]+", text).group(0)), re.sub(r"[\d.]+", "", text)  # type: ignore[union-attr]
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


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
    parser.add_argument("--python-client", action="store_true", help="use the asyncio client even if wrk exists")
    parser.add_argument("--workers", type=int, default=1, help="paperwire serve --workers N")
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
            [sys.executable, "-m", "paperwire", "serve", "--port", str(port), "--workers", str(args.workers)],
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
                f"{args.seconds:.0f}s per endpoint, {args.workers} server process(es))"
            )
            targets = {
                "/healthz (baseline)": ["/healthz"],
                "/ (trending page)": ["/", "/?window=week", "/?window=month"],
                "/search?q= (page)": [f"/search?q={q}" for q in QUERIES],
                "/api/search?q=": [f"/api/search?q={q}" for q in QUERIES],
                "/api/trending": ["/api/trending", "/api/trending?window=week"],
            }
            rates = {}
            use_wrk = shutil.which("wrk") is not None and not args.python_client
            print("client: " + ("wrk (2 threads)" if use_wrk else "Python asyncio/httpx (competes for the same cores)"))
            for name, paths in targets.items():
                asyncio.run(hammer(base, paths, 2.0, args.clients))  # warm caches and connections
                if use_wrk:
                    rate, p50, p99, errors = wrk_run(base, paths, args.seconds, args.clients)
                    print(f"  {name:<28} {rate:>7,.0f} req/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   errors {errors}")
                    rates[name] = rate
                    continue
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
