"""The shared records: what every source parser produces and what storage keeps.

Parsers yield ``PaperRecord`` (or ``RecordError`` for a record they could not read) in ``Page``s; the
ingest pipeline stores them, ``db/`` writes them. Records are built with ``paperwire.ingest.normalize.
make_record`` so that every source is normalised the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class Version:
    """One arXiv version of a paper (v1, v2, ...)."""

    number: int
    submitted: datetime | None = None
    size: str | None = None


@dataclass(frozen=True, slots=True)
class Signal:
    """An observation about a paper, e.g. its Hugging Face upvote count at a moment."""

    kind: str
    value: float
    at: datetime
    source: str
    actor: str = ""


@dataclass(frozen=True, slots=True)
class PaperRecord:
    id: str
    title: str
    abstract: str
    source: str
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()  # primary first
    version: int | None = None
    submitted: datetime | None = None  # first version
    updated: datetime | None = None  # latest version
    announced: date | None = None  # the day the paper appeared in a listing (digest and trending use it)
    doi: str | None = None
    journal_ref: str | None = None
    comments: str | None = None
    license: str | None = None
    code_links: tuple[str, ...] = ()
    versions: tuple[Version, ...] = ()
    ai_summary: str | None = None
    ai_keywords: tuple[str, ...] = ()
    deleted: bool = False
    signals: tuple[Signal, ...] = field(default=(), compare=False)

    @property
    def primary_category(self) -> str | None:
        return self.categories[0] if self.categories else None


@dataclass(frozen=True, slots=True)
class RecordError:
    """A record a parser could not turn into a paper: reported and skipped, the rest of the batch is kept."""

    id: str | None
    reason: str


class SourceError(Exception):
    """A whole page/file/response could not be used (malformed document, HTTP failure, protocol error).

    The message is one line a user can act on: messages quote what a document said (an OAI-PMH error's
    text, a JSON object's keys, a CSV header), and any line break in it is turned into a space here.
    """

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).splitlines()))


Parsed = PaperRecord | RecordError


@dataclass(slots=True)
class Page:
    """One unit of a source's output that is stored in one transaction: an HTTP page or a file.

    ``resume`` is what the source needs to continue *after* this page (e.g. the OAI-PMH resumption token);
    the pipeline stores it with the page's records, so a crash resumes at the next page. ``None`` means the
    source is done. ``total`` (when the source knows it) lets the CLI draw a progress bar.
    """

    items: list[Parsed]
    label: str
    resume: dict[str, str | int | None] | None = None
    total: int | None = None
    datestamp: str | None = None  # newest OAI-PMH datestamp on the page (for incremental harvests)
    progress: int | None = None  # how far the source is, in units of ``total`` (records, or bytes of a file)
