"""The one clock: freezing it in one place moves every "now" in the product."""

from __future__ import annotations

from datetime import date, datetime

from paperwire.core import clock
from paperwire.core.records import Page, PaperRecord
from paperwire.db.engine import Database
from paperwire.ingest.normalize import make_record
from paperwire.ingest.pipeline import store_page
from paperwire.trending import reactions


def test_utcnow_is_naive_utc_and_truncation_is_explicit() -> None:
    assert clock.utcnow().tzinfo is None
    assert clock.to_minute(datetime(2026, 3, 2, 9, 41, 7, 5)) == datetime(2026, 3, 2, 9, 41)
    assert clock.to_day(datetime(2026, 3, 2, 9, 41, 7)) == datetime(2026, 3, 2)


def test_frozen_moves_callers_that_imported_the_function(db: Database) -> None:
    record = make_record(raw_id="2603.00001", title="A paper", abstract="", source="test", announced=date(2026, 3, 2))
    assert isinstance(record, PaperRecord)
    store_page(db, Page([record], label="test"), now=datetime(2026, 3, 2))
    at = datetime(2026, 3, 2, 9, 41, 7)
    with clock.frozen(at):
        assert clock.utcnow() == at
        reactions.record_reaction(db, user_id="ann", paper_id="2603.00001", kind="save", on=True)
    assert clock.utcnow() != at
    # a save is stamped to the minute, the resolution the trending refresh works at
    assert reactions.saved_papers(db, "ann")[0]["saved_at"] == datetime(2026, 3, 2, 9, 41)
