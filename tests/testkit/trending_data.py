"""Helpers for the trending tests: papers and signals stored through the real pipeline and database code."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from paperwire.core.records import Page, PaperRecord, Signal
from paperwire.db import signals as signals_db
from paperwire.db.engine import Database
from paperwire.ingest.normalize import make_record
from paperwire.ingest.pipeline import store_page


def paper(paper_id: str, day: date, *, categories: str = "cs.LG", code: Iterable[str] = ()) -> PaperRecord:
    built = make_record(
        raw_id=paper_id,
        title=f"Paper {paper_id}",
        abstract="An abstract.",
        source="test",
        categories=categories,
        announced=day,
        code_links=list(code),
    )
    assert isinstance(built, PaperRecord)
    return built


def withdrawn(paper_id: str) -> PaperRecord:
    """A deletion notice (newer than any stored version)."""
    built = make_record(raw_id=paper_id, title=None, abstract=None, source="test", deleted=True, version=9)
    assert isinstance(built, PaperRecord)
    return built


def add_papers(db: Database, *records: PaperRecord) -> None:
    store_page(db, Page(list(records), label="test"), now=datetime(2026, 11, 27))


def add_signal(
    db: Database, paper_id: str, kind: str, value: float, at: datetime, *, source: str = "hf", actor: str = ""
) -> None:
    with db.write() as conn:
        signals_db.add_signals(conn, [(paper_id, Signal(kind, value, at, source, actor))])
