"""The site under load: 50 concurrent clients for 60 s against a real ``paperwire serve`` (loopback only).

The bundled sample is loaded, indexed and scored; each client loops over a mix of what visitors and feed
readers ask for — the trending page, HTML and JSON search, paper pages (each one also records a view, a
write), the JSON API, RSS/Atom feeds. Every answer must be a 200: no 5xx, no connection error, no timeout.
``PAPERWIRE_LOAD_SECONDS`` shortens (or lengthens) the run; ``PAPERWIRE_LOAD_CLIENTS`` changes the crowd.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
from sqlalchemy import select

from paperwire.db import papers as paper_store
from paperwire.db.schema import papers
from testkit.live_site import LiveSite, prepare_sample

SECONDS = float(os.environ.get("PAPERWIRE_LOAD_SECONDS", "60"))
CLIENTS = int(os.environ.get("PAPERWIRE_LOAD_CLIENTS", "50"))
TIMEOUT = 30.0  # a request slower than this counts as an error
QUERIES = [
    "diffusion models",
    "large language model reasoning",
    "graph neural networks",
    '"reinforcement learning"',
    "quantum",
    "mixture of experts routing",
    "retrieval augmented generation",
    "protein structure",
    "robot manipulation policy",
    "transformer attention efficiency",
]


def page_mix(paper_ids: list[str]) -> list[tuple[str, str]]:
    """(route name, path) in the proportions a busy site sees: paper pages and search most."""
    mix: list[tuple[str, str]] = [("home", "/"), ("home", "/?window=week"), ("home", "/?window=month")]
    for i, q in enumerate(QUERIES):
        mix.append(("search", f"/search?q={quote(q)}"))
        mix.append(("api-search", f"/api/search?q={quote(q)}&limit=10"))
        mix.append(("paper", f"/papers/{paper_ids[i % len(paper_ids)]}"))
        mix.append(("paper", f"/papers/{paper_ids[(i + 7) % len(paper_ids)]}"))
        mix.append(("api-paper", f"/api/papers/{paper_ids[(i + 3) % len(paper_ids)]}"))
    mix += [
        ("api-trending", "/api/trending"),
        ("api-trending", "/api/trending?window=week&category=cs.LG"),
        ("feed", "/feeds/trending.rss"),
        ("feed", "/feeds/trending.atom"),
        ("feed", f"/feeds/search.rss?q={quote(QUERIES[0])}"),
        ("ops", "/healthz"),
    ]
    return mix


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    by_route: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


async def visitor(base: str, mix: list[tuple[str, str]], offset: int, deadline: float, tally: Tally) -> None:
    """One client: its own connection, request after request through the mix until the deadline."""
    async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT, follow_redirects=False) as client:
        i = offset
        while time.monotonic() < deadline:
            route, path = mix[i % len(mix)]
            i += 1
            started = time.perf_counter()
            try:
                response = await client.get(path)
                await response.aread()
            except httpx.HTTPError as exc:
                tally.errors.append(f"{path}: {type(exc).__name__}: {exc}")
                continue
            tally.latencies.append((time.perf_counter() - started) * 1000)
            tally.by_route[route] += 1
            if response.status_code != 200:
                tally.errors.append(f"{path}: HTTP {response.status_code} {response.text[:200]!r}")


async def crowd(base: str, mix: list[tuple[str, str]]) -> tuple[Tally, float]:
    tally = Tally()
    started = time.monotonic()
    deadline = started + SECONDS
    stagger = len(mix) // CLIENTS or 1
    await asyncio.gather(*(visitor(base, mix, n * stagger, deadline, tally) for n in range(CLIENTS)))
    return tally, time.monotonic() - started


def test_fifty_clients_for_a_minute_get_no_errors(tmp_path: Path) -> None:
    home = tmp_path / "home"
    db = prepare_sample(home)
    with db.read() as conn:
        paper_ids = list(conn.execute(select(papers.c.id).order_by(papers.c.id).limit(200)).scalars())
    assert paper_store.count_papers(db) > 400
    db.dispose()
    mix = page_mix(paper_ids)
    with LiveSite(home) as site:
        for _route, path in mix:  # every route answers before the crowd comes (and warms its caches)
            response = httpx.get(site.base + path, timeout=TIMEOUT)
            assert response.status_code == 200, (path, response.status_code, response.text[:300])
        tally, elapsed = asyncio.run(crowd(site.base, mix))
        after = httpx.get(f"{site.base}/readyz", timeout=TIMEOUT)
        log = site.log_text()
    total = len(tally.latencies) + len(tally.errors)
    q = statistics.quantiles(tally.latencies, n=100, method="inclusive")
    print(
        f"\nload: {CLIENTS} clients for {elapsed:.0f} s: {total:,} requests ({total / elapsed:,.0f} req/s), "
        f"{len(tally.errors)} errors; latency ms p50 {q[49]:.0f}, p95 {q[94]:.0f}, p99 {q[98]:.0f}, "
        f"max {max(tally.latencies):.0f}\n  by route: {dict(sorted(tally.by_route.items()))}"
    )
    assert not tally.errors, f"{len(tally.errors)} errors, e.g. {tally.errors[:5]}\n{log}"
    assert after.status_code == 200, after.text
    assert "Traceback" not in log, log
    assert total >= CLIENTS * SECONDS / 10, "the crowd barely got through: was the server up?"
