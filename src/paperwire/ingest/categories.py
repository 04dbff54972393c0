"""Categories for papers known only from Hugging Face (its daily papers API has none), from the arXiv API.

``complete_categories`` asks ``export.arxiv.org/api/query?id_list=...`` for up to ``batch_size`` ids per
request, spaced by ``PAPERWIRE_ARXIV_API_INTERVAL`` seconds (arXiv asks for one request every three), and
stores what comes back through the ordinary pipeline: the arXiv record merges into the paper (categories,
and any field Hugging Face left empty; the announcement day stays the earliest known).

- After a Hugging Face day is fetched, its papers without categories are completed (``ids=``).
- ``paperwire papers complete-categories`` backfills every paper without one. It is resumable: after each
  batch the last id done is stored (harvest state ``arxiv-api:categories``) in the same transaction as the
  batch, so a run stopped by an error or Ctrl-C continues after it; ``--restart`` starts from the first id.
  Ids arXiv does not know (withdrawn, or not arXiv ids at all) are reported and skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from paperwire.config import Settings
from paperwire.core.clock import utcnow
from paperwire.core.ids import is_arxiv_id
from paperwire.core.records import Page, PaperRecord
from paperwire.db import harvest
from paperwire.db import papers as papers_db
from paperwire.db.engine import Database
from paperwire.ingest.arxiv_api import fetch_api_pages
from paperwire.ingest.http import PoliteClient
from paperwire.ingest.pipeline import ingest

HARVEST_KEY = "arxiv-api:categories"
BATCH_SIZE = 100


@dataclass(slots=True)
class CompletionReport:
    asked: int = 0  # ids sent to the arXiv API
    completed: int = 0  # of them, papers that have categories now
    unknown: list[str] = field(default_factory=list)  # ids arXiv answered nothing for
    requests: int = 0
    complete: bool = False  # no paper left to ask about (a backfill that ran to its end)

    def as_dict(self) -> dict[str, Any]:
        return {
            "asked": self.asked,
            "completed": self.completed,
            "unknown": self.unknown,
            "requests": self.requests,
            "complete": self.complete,
        }


def complete_categories(
    db: Database,
    settings: Settings,
    *,
    ids: Sequence[str] | None = None,
    batch_size: int = BATCH_SIZE,
    max_papers: int | None = None,
    restart: bool = False,
    url: str | None = None,
    client: PoliteClient | None = None,
    on_batch: Callable[[CompletionReport], None] | None = None,
) -> CompletionReport:
    """Ask the arXiv API for the categories of ``ids`` (or, without ids, of every paper lacking them)."""
    own = client is None
    polite = client or PoliteClient(settings, min_interval=settings.arxiv_api_interval)
    report = CompletionReport()
    try:
        batches = _given(db, ids, batch_size) if ids is not None else _backfill(db, batch_size, restart)
        for batch in batches:
            if max_papers is not None and report.asked >= max_papers:
                return report
            _complete_batch(db, settings, polite, url or settings.arxiv_api_url, batch, report)
            if ids is None:
                _save_progress(db, batch[-1], len(batch))
            if on_batch:
                on_batch(report)
        report.complete = True
        if ids is None:
            _save_progress(db, None, 0)
        return report
    finally:
        if own:
            polite.close()


def _given(db: Database, ids: Sequence[str], size: int) -> Iterator[list[str]]:
    wanted = [i for i in dict.fromkeys(ids) if is_arxiv_id(i)]
    done = papers_db.with_categories(db, wanted)
    todo = [i for i in wanted if i not in done]
    for start in range(0, len(todo), size):
        yield todo[start : start + size]


def _backfill(db: Database, size: int, restart: bool) -> Iterator[list[str]]:
    state = harvest.get_state(db, HARVEST_KEY)
    resume = state.resume if state and state.status != harvest.COMPLETE and not restart else None
    after = str(resume.get("after", "")) if resume else ""
    with db.write() as conn:
        harvest.start(conn, HARVEST_KEY, now=utcnow(), restart=restart or resume is None)
    while True:
        found = papers_db.without_categories(db, after=after, limit=size * 3)
        if not found:
            return
        after = found[-1]
        batch = [i for i in found if is_arxiv_id(i)][:size]
        if batch:
            after = batch[-1]
            yield batch


def _complete_batch(
    db: Database, settings: Settings, client: PoliteClient, url: str, batch: list[str], report: CompletionReport
) -> None:
    pages = fetch_api_pages(client, url, ids=batch, page_size=len(batch), max_results=len(batch))
    answered: set[str] = set()

    def counted(stream: Iterator[Page]) -> Iterator[Page]:
        for page in stream:
            report.requests += 1
            answered.update(item.id for item in page.items if isinstance(item, PaperRecord))
            yield page

    ingest(db, counted(pages))
    report.asked += len(batch)
    report.completed += len(papers_db.with_categories(db, batch))
    report.unknown.extend(i for i in batch if i not in answered)


def _save_progress(db: Database, last_id: str | None, records: int) -> None:
    with db.write() as conn:
        harvest.page_done(
            conn,
            HARVEST_KEY,
            resume={"after": last_id} if last_id else None,
            records=records,
            last_datestamp=None,
            now=utcnow(),
        )
