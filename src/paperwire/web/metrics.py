"""Prometheus metrics at /metrics: requests and latencies per route, search latency, and (read from the
database on each scrape, so every node reports the shared truth) outbox depth, sends and paper counts."""

from __future__ import annotations

import time
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paperwire.db import outbox, papers
from paperwire.db import subscribers as subs
from paperwire.db.engine import Database

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class DatabaseCollector(Collector):
    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterable[Metric]:
        depth = GaugeMetricFamily("paperwire_outbox_messages", "Outbox rows by status", labels=["status"])
        for status, count in sorted(outbox.counts(self.db).items()):
            depth.add_metric([status], count)
        yield depth
        people = GaugeMetricFamily("paperwire_subscribers", "Subscribers by status", labels=["status"])
        for status, count in sorted(subs.count_by_status(self.db).items()):
            people.add_metric([status], count)
        yield people
        yield GaugeMetricFamily("paperwire_papers", "Stored papers (not deleted)", value=papers.count_papers(self.db))


class Metrics:
    """One registry per app (so tests can build many apps)."""

    def __init__(self, db: Database) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "paperwire_http_requests", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "paperwire_http_request_seconds",
            "HTTP request latency",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.search_latency = Histogram(
            "paperwire_search_seconds", "Library search call latency", buckets=LATENCY_BUCKETS, registry=self.registry
        )
        self.registry.register(DatabaseCollector(db))


class MetricsMiddleware:
    """Counts and times every request by its route template (``/papers/{paper_id}``, not each id)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def remember_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, remember_status)
        finally:
            route = getattr(scope.get("route"), "path", None) or (
                "static" if scope["path"].startswith("/static") else "unmatched"
            )
            self.metrics.requests.labels(scope["method"], route, str(status["code"])).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - started)
