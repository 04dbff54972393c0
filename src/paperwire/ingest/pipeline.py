"""The ingest pipeline: store each page a source yields in one transaction, with its harvest state.

Sources only fetch and parse (they yield ``Page`` objects); this module owns what happens next. A page is
all-or-nothing: its records, its signals and the harvest checkpoint commit together, so a crash or a bad
page leaves the database exactly as it was after the previous page, and a rerun resumes from there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from paperwire.core.clock import utcnow
from paperwire.core.records import Page, PaperRecord, RecordError, SourceError
from paperwire.db import harvest, papers, signals
from paperwire.db.engine import Database

PageCallback = Callable[[Page, "PageResult"], None]


@dataclass(slots=True)
class PageResult:
    label: str
    counts: papers.UpsertCounts
    errors: list[RecordError]
    signals_added: int


@dataclass(slots=True)
class IngestReport:
    pages: int = 0
    counts: papers.UpsertCounts = field(default_factory=papers.UpsertCounts)
    errors: list[RecordError] = field(default_factory=list)
    signals_added: int = 0
    complete: bool = False

    @property
    def records_seen(self) -> int:
        c = self.counts
        return c.inserted + c.updated + c.unchanged + c.skipped

    def as_dict(self) -> dict[str, Any]:
        return {
            "pages": self.pages,
            "inserted": self.counts.inserted,
            "updated": self.counts.updated,
            "unchanged": self.counts.unchanged,
            "skipped": self.counts.skipped,
            "signals": self.signals_added,
            "errors": [{"id": e.id, "reason": e.reason} for e in self.errors],
            "complete": self.complete,
        }


def store_page(
    db: Database,
    page: Page,
    *,
    harvest_key: str | None = None,
    last_datestamp: str | None = None,
    now: datetime | None = None,
) -> PageResult:
    now = now or utcnow()
    records = [item for item in page.items if isinstance(item, PaperRecord)]
    errors = [item for item in page.items if isinstance(item, RecordError)]
    with db.write() as conn:
        counts = papers.upsert_papers(conn, records, now=now)
        observations = [(r.id, s) for r in records if not r.deleted for s in r.signals]
        added = signals.add_signals(conn, observations)
        if harvest_key:
            harvest.page_done(
                conn,
                harvest_key,
                resume=page.resume,
                records=len(records),
                last_datestamp=last_datestamp,
                now=now,
            )
    return PageResult(page.label, counts, errors, added)


def ingest(
    db: Database,
    pages: Iterable[Page],
    *,
    harvest_key: str | None = None,
    restart: bool = False,
    datestamp_of: Callable[[Page], str | None] = lambda page: None,
    on_page: PageCallback | None = None,
) -> IngestReport:
    """Store every page from ``pages``. With ``harvest_key`` the progress is checkpointed per page.

    A ``SourceError`` (bad page, unreachable host) stops the run after the last good page, is recorded in
    the harvest state and re-raised for the caller to report.
    """
    report = IngestReport()
    if harvest_key:
        with db.write() as conn:
            harvest.start(conn, harvest_key, now=utcnow(), restart=restart)
    try:
        for page in pages:
            result = store_page(db, page, harvest_key=harvest_key, last_datestamp=datestamp_of(page))
            report.pages += 1
            report.counts.add(result.counts)
            report.errors.extend(result.errors)
            report.signals_added += result.signals_added
            if on_page:
                on_page(page, result)
            if page.resume is None:
                report.complete = True
    except SourceError as exc:
        if harvest_key:
            harvest.fail(db, harvest_key, str(exc), now=utcnow())
        raise
    return report
