"""Rows the light read path (``lite``, stdlib sqlite3) and the SQLAlchemy one both return, so a light
command prints exactly what the full command prints. Nothing here imports SQLAlchemy."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

PENDING, CONFIRMED, UNSUBSCRIBED = "pending", "confirmed", "unsubscribed"


@dataclass(frozen=True, slots=True)
class HarvestState:
    source: str
    status: str
    resume: dict[str, Any] | None
    last_datestamp: str | None
    pages_done: int
    records_done: int
    error: str | None
    started_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Subscriber:
    id: int
    email: str
    status: str
    topics: list[str]
    categories: list[str]
    authors: list[str]
    frequency: str
    weekday: int
    hour: int
    timezone: str
    digest_size: int
    paused: bool
    hard_bounces: int
    suppressed_at: datetime | None
    suppressed_reason: str | None
    confirm_sent_at: datetime | None
    confirm_sent_count: int
    created_at: datetime
    confirmed_at: datetime | None
    unsubscribed_at: datetime | None
    liked: list[str] = field(default_factory=list)
    author_name: str | None = None

    @property
    def receives_digests(self) -> bool:
        return self.status == CONFIRMED and not self.paused and self.suppressed_at is None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
