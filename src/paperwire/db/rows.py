"""Rows the light read path (``lite``, stdlib sqlite3) and the SQLAlchemy one both return, so a light
command (and a light ``paperwire search``) prints exactly what the full command prints. Nothing here imports
SQLAlchemy."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
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


# --- search's (db/embeddings.py) --------------------------------------------------------------------

# The columns a search result shows of a paper (``live_papers_by_id``: a dict of these, by paper id).
HIT_FIELDS = (
    "id",
    "version",
    "title",
    "abstract",
    "authors",
    "categories",
    "primary_category",
    "announced_on",
    "submitted_at",
    "updated_at",
    "code_links",
)


@dataclass(frozen=True, slots=True)
class ChangedPaper:
    id: str
    seq: int
    deleted: bool
    title: str
    abstract: str
    authors: list[str]
    categories: list[str]
    announced_on: date | None
    submitted_at: datetime | None
    code_links: list[str]
    vector: bytes | None  # the stored embedding, when current for this model and this version


@dataclass(frozen=True, slots=True)
class NewEmbedding:
    paper_id: str
    paper_seq: int
    vector: bytes


@dataclass(frozen=True, slots=True)
class PaperText:
    id: str
    seq: int
    title: str
    abstract: str
    vector: bytes | None  # the stored embedding, when current for this model and this version
