"""For you: a reader's picks as the page and the personal feed show them, from the same ``recommend`` call
as the digest (``picks_for``: the same ranking, the same reasons in the same words)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from paperwire.config import Settings
from paperwire.db import papers
from paperwire.db import subscribers as subs
from paperwire.db.engine import Database
from paperwire.db.subscribers import Subscriber
from paperwire.db.users import User
from paperwire.recommend import Reader, picks_for, reader_for, reader_for_user
from paperwire.search import SearchService

FOR_YOU_SIZE = 20


@dataclass(frozen=True, slots=True)
class ForYou:
    period_label: str | None  # None before any listing exists
    items: list[dict[str, Any]]  # paper rows, each with "why" and "reason"
    notes: list[str] = field(default_factory=list)


def reader_of_user(db: Database, user: User) -> tuple[Reader, Subscriber | None]:
    """The signed-in user as a reader: their subscription's interests and feedback (same address), if any."""
    subscriber = subs.find(db, user.email)
    return reader_for_user(db, user.id, subscriber), subscriber


def reader_of_subscriber(db: Database, subscriber: Subscriber) -> Reader:
    return reader_for(db, subscriber)


def for_you(
    db: Database, settings: Settings, search: SearchService, reader: Reader, *, day: date, limit: int = FOR_YOU_SIZE
) -> ForYou:
    """The reader's picks for the period of ``day``, with the papers to show. Stores nothing."""
    picks = picks_for(db, settings, search, reader, day, limit)
    rows = papers.papers_by_ids(db, [pick.paper_id for pick in picks.items])
    items = [
        {**rows[pick.paper_id], "why": pick.why, "reason": pick.reason}
        for pick in picks.items
        if pick.paper_id in rows and not rows[pick.paper_id]["deleted"]
    ]
    return ForYou(picks.period.label if picks.period else None, items, list(picks.notes))
