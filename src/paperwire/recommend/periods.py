"""Periods: a daily digest belongs to an arXiv *listing day* (the newest day with announced papers on or before
the date asked for); a weekly one to the ISO week of the date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from paperwire.db import papers
from paperwire.db.engine import Database


@dataclass(frozen=True, slots=True)
class Period:
    key: str  # "2026-06-30" or "2026-W27"
    label: str  # "Tuesday, June 30, 2026" or "the week of June 29, 2026"
    since: date  # papers announced on or after this day are "new" for the period
    until: date
    window: str  # the trending window that matches the period

    @property
    def when(self) -> str:
        """How a note names the period: "today" or "this week"."""
        return "this week" if self.window == "week" else "today"


def human_day(day: date) -> str:
    return f"{day:%A}, {day:%B} {day.day}, {day.year}"


def daily_period(listing_day: date) -> Period:
    # Two days back as well: a paper listed on Friday is still new in Monday's mail for someone who joined.
    return Period(listing_day.isoformat(), human_day(listing_day), listing_day - timedelta(days=2), listing_day, "day")


def weekly_period(day: date) -> Period:
    year, week, _ = day.isocalendar()
    monday = day - timedelta(days=day.weekday())
    return Period(
        f"{year}-W{week:02d}",
        f"the week of {monday:%B} {monday.day}, {monday.year}",
        day - timedelta(days=6),
        day,
        "week",
    )


def listing_day_for(db: Database, day: date) -> date | None:
    return papers.latest_announcement_day(db, on_or_before=day)


def period_for(db: Database, frequency: str, day: date) -> Period | None:
    """The period a digest (or For-you list) of ``day`` covers; ``None`` before any listing exists."""
    if frequency == "weekly":
        return weekly_period(day)
    listing = listing_day_for(db, day)
    return daily_period(listing) if listing is not None else None
