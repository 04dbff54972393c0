"""The daily pipeline as idempotent jobs: harvest → signals → index → trending → digests → send.

The scheduler (``paperwire run``) calls these on its clock; cron/systemd users call the same jobs through
the CLI (``paperwire daily``, ``paperwire digest send``, ``paperwire worker send``). Each job runs under
a database lease, so two schedulers never run one job twice at the same time.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from paperwire import trending
from paperwire.config import Settings
from paperwire.core.clock import utcnow
from paperwire.db import jobs, users
from paperwire.db.engine import Database
from paperwire.ingest import collectors, sources
from paperwire.ingest.pipeline import IngestReport
from paperwire.mail.digest import PlanReport, due_at, due_on_day, plan_digests
from paperwire.mail.sender import Sender, SendReport
from paperwire.search import IndexWriteError, SearchService
from paperwire.trending import reactions

log = logging.getLogger(__name__)
T = TypeVar("T")
OWNER = f"{socket.gethostname()}:{os.getpid()}"


class JobBusy(Exception):
    """Another process holds this job's lease right now."""


def guarded(db: Database, name: str, work: Callable[[], T], *, lease_seconds: float = 3600) -> T:
    """Run ``work`` under the job lease ``name``; ``JobBusy`` if another process is running it."""
    if not jobs.acquire(db, name, owner=OWNER, seconds=lease_seconds, now=utcnow()):
        raise JobBusy(f"job {name!r} is running elsewhere")
    try:
        result = work()
    except Exception as exc:
        jobs.finish(db, name, owner=OWNER, status="failed", error=str(exc)[:2000], now=utcnow())
        raise
    jobs.finish(db, name, owner=OWNER, status="ok", error=None, now=utcnow())
    return result


# --- harvest ---------------------------------------------------------------------------------------------


def harvest(db: Database, settings: Settings, *, day: date) -> list[IngestReport]:
    """Every source in ``PAPERWIRE_HARVEST_SOURCES``, one after another (a failing source is logged; the
    others still run). The sources are the registry's (``paperwire.ingest.sources``)."""
    reports = []
    for source, argument in sources.harvest_plan(settings.harvest_sources):
        assert source.harvest is not None  # harvest_plan admits only live sources
        try:
            reports.append(source.harvest(db, settings, sources.HarvestRun(argument, day)))
        except Exception:
            log.exception("harvest of %s:%s failed", source.name, argument)
    return reports


def collect_signals(db: Database, settings: Settings, *, now: datetime | None = None) -> dict[str, Any]:
    """Every collector in ``PAPERWIRE_SIGNAL_COLLECTORS`` (``paperwire.ingest.collectors``): its report by
    name, or ``{"error": ...}`` for one that failed (the others still run). Idempotent per day."""
    reports: dict[str, Any] = {}
    for collector in collectors.enabled(settings):
        try:
            reports[collector.name] = collector.collect(db, settings, now)
        except Exception as exc:
            log.exception("signal collector %s failed", collector.name)
            reports[collector.name] = {"error": str(exc)}
    return reports


@dataclass(slots=True)
class Refreshed:
    index: dict[str, Any] = field(default_factory=dict)
    trending: dict[str, Any] = field(default_factory=dict)


def after_ingest(db: Database, settings: Settings, search: SearchService) -> Refreshed:
    """New papers become searchable and scored: index catch-up, then the trending refresh (which does not
    need the index, so an index that cannot be written — a full disk — does not hold it up)."""
    try:
        index = search.catch_up().as_dict()
    except IndexWriteError as exc:
        log.warning("%s", exc)
        index = {"error": str(exc)}
    scores = trending.refresh(db, settings)
    return Refreshed(index=index, trending=scores.as_dict())


# --- digests ---------------------------------------------------------------------------------------------


def saved_papers_of(db: Database) -> Callable[[str], Sequence[tuple[str, str]]]:
    """Personalisation for subscribers who also sign in: the papers they saved or upvoted. The users are read
    once (a plan asks for every subscriber; most are not users)."""
    user_ids = users.ids_by_email(db)

    def lookup(email: str) -> Sequence[tuple[str, str]]:
        user_id = user_ids.get(email)
        if user_id is None:
            return []
        return [(paper["id"], paper["title"]) for paper in reactions.saved_papers(db, str(user_id))[:5]]

    return lookup


def plan(
    db: Database,
    settings: Settings,
    search: SearchService,
    *,
    day: date | None = None,
    at: datetime | None = None,
) -> PlanReport:
    """Plan digests: everyone due on ``day``, or (the scheduler) everyone whose local hour has come ``at``."""
    due = due_on_day(db, day) if day is not None else due_at(db, at or utcnow())
    return plan_digests(db, settings, search, due=due, now=utcnow(), saved_by_email=saved_papers_of(db))


def send(db: Database, settings: Settings, *, until_empty: bool = True) -> SendReport:
    return Sender(db, settings).run(until_empty=until_empty)
