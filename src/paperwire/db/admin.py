"""Queries behind the admin pages: subscriber search, sends per day, growth over time."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select

from paperwire.db.engine import Database
from paperwire.db.schema import outbox, subscribers


def find_subscribers(db: Database, *, q: str = "", status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    query = select(subscribers).order_by(subscribers.c.id.desc()).limit(limit)
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(or_(subscribers.c.email.like(pattern)))
    if status == "suppressed":
        query = query.where(subscribers.c.suppressed_at.is_not(None))
    elif status:
        query = query.where(subscribers.c.status == status)
    with db.read() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def sends_per_day(db: Database, *, days: int, today: date) -> list[dict[str, Any]]:
    """Digest rows per planning day and status (planned = all rows of the day)."""
    since = datetime.combine(today - timedelta(days=days - 1), datetime.min.time())
    query = (
        select(func.date(outbox.c.created_at).label("day"), outbox.c.status, func.count().label("n"))
        .where(outbox.c.kind == "digest", outbox.c.created_at >= since)
        .group_by(func.date(outbox.c.created_at), outbox.c.status)
    )
    table: dict[date, dict[str, Any]] = {}
    with db.read() as conn:
        for row in conn.execute(query):
            day = _day(row.day)
            entry = table.setdefault(
                day,
                {
                    "day": day,
                    "planned": 0,
                    "sent": 0,
                    "failed": 0,
                    "retry": 0,
                    "pending": 0,
                    "cancelled": 0,
                    "leased": 0,
                },
            )
            entry[row.status] = entry.get(row.status, 0) + int(row.n)
            entry["planned"] += int(row.n)
    return [table[d] for d in sorted(table)]


def subscribers_per_day(db: Database, *, days: int, today: date) -> list[tuple[date, int]]:
    """Cumulative confirmed-or-pending subscribers at the end of each of the last ``days`` days."""
    start = today - timedelta(days=days - 1)
    with db.read() as conn:
        before = int(
            conn.execute(
                select(func.count())
                .select_from(subscribers)
                .where(subscribers.c.created_at < datetime.combine(start, datetime.min.time()))
            ).scalar_one()
        )
        rows = conn.execute(
            select(func.date(subscribers.c.created_at).label("day"), func.count().label("n"))
            .where(subscribers.c.created_at >= datetime.combine(start, datetime.min.time()))
            .group_by(func.date(subscribers.c.created_at))
        ).all()
    added = {_day(row.day): int(row.n) for row in rows}
    series, total = [], before
    for offset in range(days):
        day = start + timedelta(days=offset)
        total += added.get(day, 0)
        series.append((day, total))
    return series
