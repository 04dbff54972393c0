"""A paper's signal history in daily buckets, for the sparkline on its page.

Each day holds the *increments* of that day (new HF upvotes, new GitHub stars, upvotes, views, ...), the
same increments the trending formula decays and sums, so the picture and the score tell one story — with one
exception: a repository's first star count. The formula lets up to 50 of it count (a guess at how much of it is
new), but nothing observed says when those stars came, so the picture and its words leave it out rather than
draw (and write) "+50 GitHub stars" on the day the repository was first seen.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from paperwire.core.clock import to_minute, utcnow
from paperwire.core.signals import BY_NAME, EVENT_KINDS, SNAPSHOT_KINDS
from paperwire.db.engine import Database
from paperwire.db.papers import get_paper
from paperwire.db.signals import signals_for
from paperwire.trending.formula import running_rises

DailyHistory = list[tuple[date, dict[str, float]]]


def signal_history(db: Database, paper_id: str, days: int = 30, now: datetime | None = None) -> DailyHistory:
    """The last ``days`` days up to ``now``, oldest first; every day is present (a quiet day is empty)."""
    now = now or to_minute(utcnow())
    rows = [row for row in signals_for(db, paper_id) if row["at"] <= now]  # type: ignore[operator]
    return daily_buckets(rows, last_day=now.date(), days=days)


def life_history(db: Database, paper_id: str, now: datetime | None = None, max_days: int = 366) -> DailyHistory:
    """A paper's life in daily buckets: from its announcement (or first signal) to its last signal, or to
    ``now`` while it is younger than a month; at most the last ``max_days`` days. Empty when unknown."""
    now = now or utcnow()
    paper = get_paper(db, paper_id)
    rows = [row for row in signals_for(db, paper_id) if row["at"] <= now]  # type: ignore[operator]
    days = [row["at"].date() for row in rows]  # type: ignore[attr-defined]
    listed = paper["announced_on"] if paper else None
    start = min([d for d in (listed, *days) if d is not None], default=None)
    if start is None:
        return []
    end = max([start, *days])
    if (now.date() - start).days < 30:
        end = max(end, now.date())
    end = min(end, now.date())
    span = max(1, min((end - start).days + 1, max_days))
    return daily_buckets(rows, last_day=end, days=span)


def daily_buckets(rows: Sequence[Mapping[str, Any]], *, last_day: date, days: int) -> DailyHistory:
    """Signal rows (``kind``, ``value``, ``at``) -> each day's increments, ``days`` days to ``last_day``."""
    per_day: defaultdict[date, defaultdict[str, float]] = defaultdict(lambda: defaultdict(float))
    series = sorted((r for r in rows if r["kind"] in SNAPSHOT_KINDS), key=lambda r: r["at"])
    seen: set[str] = set()
    for row, rise in zip(series, running_rises((r["kind"], r["value"]) for r in series), strict=True):
        kind = row["kind"]
        opens = kind not in seen
        seen.add(kind)
        if rise > 0 and not (opens and BY_NAME[kind].told_as_rise):  # a first count is no rise
            per_day[row["at"].date()][kind] += rise
    for row in rows:
        if row["kind"] in EVENT_KINDS:
            per_day[row["at"].date()][row["kind"]] += 1.0
    first = last_day - timedelta(days=days - 1)
    return [(day, dict(per_day.get(day, {}))) for day in (first + timedelta(n) for n in range(days))]
