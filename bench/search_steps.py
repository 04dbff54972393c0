"""Where a search's time goes: the median time of each step inside full ``SearchService.search`` calls, on an
index that ``bench/search_latency.py --keep`` left behind.

Usage:
  .venv/bin/python bench/search_latency.py --size 100000 --queries 20 --keep --workdir /tmp/lat
  .venv/bin/python bench/search_steps.py /tmp/lat/pw-latency-*/home [--queries 200]

Each step is timed with ``time.perf_counter`` around the library's own functions (wrapped here, in this
process only), per thread: the meaning side runs on a ``search-meaning`` thread beside the keyword side, so
steps of different threads overlap and do not add up to the whole. The queries are the latency bench's
(same seed), so the figures sit beside its p50.
"""

from __future__ import annotations

import argparse
import functools
import random
import statistics
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

# isort: off
import paperwire  # noqa: F401  first, so that its numpy thread setting applies here as in the product

# isort: on
from paperwire.config import Settings
from paperwire.db.engine import Database
from paperwire.search import SearchService
from paperwire.search import service as service_module
from paperwire.search.embedder import OnnxMiniLM
from paperwire.search.lexical import LexicalIndex

sys.path.insert(0, str(Path(__file__).parent))
import search_latency  # the latency bench's corpus and queries

SERVICE_STEPS = ("_ranked", "_keyword_side", "_meaning_side", "embed_query", "_hits")
MODULE_STEPS = ("with_semantic", "_cosines", "judge", "matches_first")
LEXICAL_STEPS = ("search_scored", "field_scored", "idf_mass", "titles_holding_all", "snippets_html", "titles_match")

Timings = defaultdict[str, list[float]]


def timed(timings: Timings, label: str, call: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(call)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return call(*args, **kwargs)
        finally:
            thread = "meaning" if threading.current_thread().name.startswith("search-meaning") else "caller"
            timings[f"{label} ({thread})"].append((time.perf_counter() - start) * 1000)

    return wrapper


def instrument(service: SearchService, timings: Timings) -> None:
    for owner, names in ((SearchService, SERVICE_STEPS), (service_module, MODULE_STEPS), (LexicalIndex, LEXICAL_STEPS)):
        for name in names:
            setattr(owner, name, timed(timings, name, getattr(owner, name)))
    reads = type(service.reads)
    reads.live_papers_by_id = timed(timings, "rows", reads.live_papers_by_id)  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("home", type=Path, help="the home of a kept latency-bench collection")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    settings = Settings(home=args.home)
    embedder = OnnxMiniLM(max_tokens=settings.search_max_tokens, batch_size=settings.search_embed_batch_size)
    service = SearchService(settings, Database(settings.resolved_database_url), embedder=embedder)
    service.catch_up()
    queries = search_latency.make_queries(search_latency.real_records(), args.queries + 20, random.Random(7))
    timings: Timings = defaultdict(list)
    instrument(service, timings)
    for query in queries[:20]:
        service.search(query)
    timings.clear()
    whole = []
    for query in queries[20:]:
        start = time.perf_counter()
        service.search(query, limit=20)
        whole.append((time.perf_counter() - start) * 1000)
    print(f"{len(whole)} searches of {service.status().documents:,} papers: p50 {statistics.median(whole):.2f} ms")
    print("| step (thread) | calls | median ms | mean ms |\n|---|---:|---:|---:|")
    for label, samples in sorted(timings.items(), key=lambda item: -sum(item[1])):
        print(f"| {label} | {len(samples)} | {statistics.median(samples):.3f} | {statistics.mean(samples):.3f} |")


if __name__ == "__main__":
    main()
