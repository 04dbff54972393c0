"""Upvotes, saves, views and digest clicks on real databases: one per user (or visitor and day), and undo."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from paperwire.core.records import Signal
from paperwire.db import signals as signals_db
from paperwire.db.engine import Database
from paperwire.trending import reactions
from testkit.trending_data import add_papers, paper

NOW = datetime(2026, 3, 2, 10, 30)


@pytest.fixture
def two_papers(db: Database) -> Database:
    add_papers(db, paper("2603.00001", date(2026, 3, 2)), paper("2603.00002", date(2026, 3, 2)))
    return db


def react(db: Database, user: str, paper_id: str, kind: str, on: bool = True) -> int:
    return reactions.record_reaction(db, user_id=user, paper_id=paper_id, kind=kind, on=on, now=NOW)


def test_one_upvote_per_user_and_paper_and_undo(two_papers: Database) -> None:
    db = two_papers
    assert [react(db, "ann", "2603.00001", "upvote") for _ in range(3)] == [1, 1, 1]
    assert react(db, "bob", "2603.00001", "upvote") == 2
    assert react(db, "ann", "2603.00001", "upvote", on=False) == 1
    assert react(db, "ann", "2603.00001", "upvote", on=False) == 1  # taking back twice changes nothing
    assert signals_db.count_signals(db, kind="upvote") == 1


def test_the_database_refuses_a_second_upvote_even_at_another_time(two_papers: Database) -> None:
    react(two_papers, "ann", "2603.00001", "upvote")
    later = Signal("upvote", 1.0, datetime(2026, 3, 3), "app", "ann")
    with pytest.raises(IntegrityError), two_papers.write() as conn:
        conn.execute(signals_db.signals.insert(), [{"paper_id": "2603.00001", **_fields(later)}])


def test_counts_and_what_a_user_gave(two_papers: Database) -> None:
    db = two_papers
    react(db, "ann", "2603.00001", "upvote")
    react(db, "ann", "2603.00001", "save")
    react(db, "bob", "2603.00001", "upvote")
    react(db, "bob", "2603.00002", "save")
    assert reactions.reaction_counts(db, ["2603.00001", "2603.00002", "nope"]) == {
        "2603.00001": {"upvote": 2, "save": 1},
        "2603.00002": {"upvote": 0, "save": 1},
        "nope": {"upvote": 0, "save": 0},
    }
    assert reactions.user_reactions(db, "ann", ["2603.00001", "2603.00002"]) == {"2603.00001": {"upvote", "save"}}
    assert reactions.user_papers(db, "bob", "upvote") == ["2603.00001"]
    assert [p["id"] for p in reactions.saved_papers(db, "bob")] == ["2603.00002"]
    assert reactions.saved_papers(db, "bob")[0]["saved_at"] == NOW


def test_saved_papers_newest_first(two_papers: Database) -> None:
    reactions.record_reaction(
        two_papers, user_id="ann", paper_id="2603.00002", kind="save", on=True, now=datetime(2026, 3, 1)
    )
    react(two_papers, "ann", "2603.00001", "save")
    assert [p["id"] for p in reactions.saved_papers(two_papers, "ann")] == ["2603.00001", "2603.00002"]


def test_views_and_clicks_count_once_per_day(two_papers: Database) -> None:
    db = two_papers
    views = [
        reactions.record_view(db, paper_id="2603.00001", visitor="v1", now=datetime(2026, 3, 2, h)) for h in (1, 9)
    ]
    assert views == [True, False]
    assert reactions.record_view(db, paper_id="2603.00001", visitor="v1", now=datetime(2026, 3, 3, 1))
    assert reactions.record_click(db, paper_id="2603.00001", subscriber="s1", now=NOW)
    assert not reactions.record_click(db, paper_id="2603.00001", subscriber="s1", now=NOW)
    assert (signals_db.count_signals(db, kind="view"), signals_db.count_signals(db, kind="click")) == (2, 1)


def test_bad_input_is_refused(two_papers: Database) -> None:
    with pytest.raises(ValueError, match="unknown reaction"):
        react(two_papers, "ann", "2603.00001", "like")
    with pytest.raises(LookupError, match="no paper"):
        react(two_papers, "ann", "9999.99999", "upvote")
    with pytest.raises(ValueError, match="visitor must not be empty"):
        reactions.record_view(two_papers, paper_id="2603.00001", visitor="")


def _fields(signal: Signal) -> dict[str, object]:
    return {
        "kind": signal.kind,
        "value": signal.value,
        "at": signal.at,
        "source": signal.source,
        "actor": signal.actor,
    }
