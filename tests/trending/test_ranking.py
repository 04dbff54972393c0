"""The trending list on real databases (SQLite and PostgreSQL): order, decay, windows, prior, cap, refresh."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from paperwire import trending
from paperwire.config import Settings
from paperwire.db.engine import Database
from paperwire.db.schema import trending_scores
from paperwire.ingest import service
from paperwire.trending import reactions
from testkit.trending_data import add_papers, add_signal, paper, withdrawn

FIXTURES = Path(__file__).parents[1] / "fixtures"
HF_DAY = datetime(2026, 8, 21)
D1, D2 = date(2026, 3, 2), date(2026, 3, 3)


def ids(items: list[trending.TrendingItem]) -> list[str]:
    return [item.id for item in items]


def stored(db: Database) -> list[tuple[str, str, float]]:
    query = select(trending_scores.c.trend_window, trending_scores.c.paper_id, trending_scores.c.score)
    with db.read() as conn:
        return sorted((w, p, s) for w, p, s in conn.execute(query))


def test_hf_daily_fixture_ranks_by_decayed_signals(db: Database, settings: Settings) -> None:
    service.ingest_hf_daily(db, settings, paths=[FIXTURES / "hf_daily/2026-08-21.json"])
    items = trending.trending(db, settings, window="day", now=HF_DAY, limit=5)
    # Hand-checked (docs/trending.md): 4DAnyone has fewer upvotes than FACET (38 < 54) but 20 new stars to 8,
    # and ln(1 + n) per source rewards breadth. 2608.14022's 76 stars are a first observation: 50 of them count.
    assert ids(items) == ["2608.19880", "2608.20335", "2608.18580", "2608.19799", "2608.14022"]
    assert items[4].why == {"hf_upvotes": 12.0, "hf_comments": 1.0, "github_stars": 50.0}
    top = items[0]
    assert top.title == "EnvHarness: Awakening Static Worlds for Agent Learning"
    assert top.why == {"hf_upvotes": 163.0, "hf_comments": 1.0, "github_stars": 8.0}
    z = 172 / 175
    assert top.score == pytest.approx(1 + z * (math.log(164) + 0.5 * math.log(9) + 0.5 * math.log(2)), abs=1e-4)
    assert sum(top.points.values()) == pytest.approx(top.score, abs=1e-3)
    assert top.code_links == ["https://github.com/google-research/envharness"]


def test_older_signals_decay_and_the_windows_differ(db: Database, settings: Settings) -> None:
    add_papers(db, paper("2603.00001", D1), paper("2603.00002", D2))
    add_signal(db, "2603.00001", "hf_upvotes", 100, datetime(2026, 3, 2))
    add_signal(db, "2603.00002", "hf_upvotes", 20, datetime(2026, 3, 3))
    on_day_one = trending.trending(db, settings, window="day", now=datetime(2026, 3, 2, 12))
    assert ids(on_day_one) == ["2603.00001"]  # the other paper is not announced yet
    day = trending.trending(db, settings, window="day", now=datetime(2026, 3, 3))
    month = trending.trending(db, settings, window="month", now=datetime(2026, 3, 3))
    # a day later the 100 upvotes weigh 25 in the day window (half-life 12 h) but 93 in the month window
    assert ids(day) == ["2603.00002", "2603.00001"]
    assert day[1].why == {"hf_upvotes": 25.0}
    assert ids(month) == ["2603.00001", "2603.00002"]
    assert month[0].why == {"hf_upvotes": pytest.approx(100 * 0.5 ** (24 / 240), abs=0.01)}
    later = trending.trending(db, settings, window="day", now=datetime(2026, 3, 3, 12))
    assert [i.score for i in later] < [i.score for i in day]  # both decayed further, order kept


def test_fresh_install_without_signals_shows_newest_first(db: Database, settings: Settings) -> None:
    service.ingest_jsonl(
        db,
        settings,
        [FIXTURES / "arxiv_daily/head50/2026-05-14.jsonl", FIXTURES / "arxiv_daily/2026-06-25.jsonl"],
    )
    day = trending.trending(db, settings, window="day", limit=100)  # now: the real clock, months later
    assert len(day) == 26
    assert {i.announced_on for i in day} == {date(2026, 6, 25)}
    assert ids(day) == sorted(ids(day), reverse=True)  # equal priors: newest id first
    assert all(i.why == {} and i.points == {"recency_prior": 1.0} for i in day)
    month = trending.trending(db, settings, window="month", limit=100)
    assert [i.announced_on for i in month] == [date(2026, 6, 25)] * 26 + [date(2026, 5, 14)] * 48  # 48 unique ids


def test_one_user_upvoting_and_saving_counts_less_than_two_users(db: Database, settings: Settings) -> None:
    add_papers(db, paper("2603.00001", D1), paper("2603.00002", D1))
    now = datetime(2026, 3, 2)
    for kind in ("upvote", "save"):
        reactions.record_reaction(db, user_id="mallory", paper_id="2603.00001", kind=kind, on=True, now=now)
    reactions.record_reaction(db, user_id="ann", paper_id="2603.00002", kind="upvote", on=True, now=now)
    reactions.record_reaction(db, user_id="bob", paper_id="2603.00002", kind="save", on=True, now=now)
    items = trending.trending(db, settings, window="day", now=now)
    assert ids(items) == ["2603.00002", "2603.00001"]
    # mallory's mass 2.0 + 2.0 is capped at max(20% of 4.0, one fresh upvote = 2.0): halved
    assert items[1].why == {"upvote": 0.5, "save": 0.5}
    assert items[0].why == {"upvote": 1.0, "save": 1.0}


def test_views_count_once_per_visitor_and_day(db: Database, settings: Settings) -> None:
    add_papers(db, paper("2603.00001", D1))
    for hour in (1, 5, 23):
        reactions.record_view(db, paper_id="2603.00001", visitor="v1", now=datetime(2026, 3, 2, hour))
    reactions.record_view(db, paper_id="2603.00001", visitor="v2", now=datetime(2026, 3, 2, 9))
    items = trending.trending(db, settings, window="day", now=datetime(2026, 3, 2))
    assert items[0].why == {"view": 2.0}


def test_refresh_is_idempotent_and_incremental(db: Database, settings: Settings) -> None:
    service.ingest_hf_daily(db, settings, paths=[FIXTURES / "hf_daily/2026-08-21.json"])
    first = trending.refresh(db, settings, now=HF_DAY)
    before = stored(db)
    again = trending.refresh(db, settings, now=HF_DAY)
    assert (first.skipped, again.skipped, first.papers["day"]) == (False, True, 17)
    assert stored(db) == before
    reactions.record_reaction(db, user_id="ann", paper_id="2608.20202", kind="upvote", on=True, now=HF_DAY)
    assert not trending.refresh(db, settings, now=HF_DAY).skipped  # a new signal: recomputed
    changed = {(w, p): s for w, p, s in stored(db)}
    assert changed[("day", "2608.20202")] > {(w, p): s for w, p, s in before}[("day", "2608.20202")]
    reactions.record_reaction(db, user_id="ann", paper_id="2608.20202", kind="upvote", on=False, now=HF_DAY)
    assert not trending.refresh(db, settings, now=HF_DAY).skipped  # an un-vote too
    assert stored(db) == before
    assert trending.refresh(db, settings, now=HF_DAY + timedelta(hours=1)).skipped is False  # time moved on


def test_stored_scores_equal_scores_computed_on_the_fly(db: Database, settings: Settings) -> None:
    service.ingest_jsonl(db, settings, [FIXTURES / "arxiv_daily/2026-06-25.jsonl"])
    now = datetime(2026, 6, 26, 6)
    for n, paper_id in enumerate(["2606.25042", "2606.25101", "2606.25351"]):
        for visitor in range(n + 1):
            reactions.record_view(db, paper_id=paper_id, visitor=f"v{visitor}", now=now)
    queries = [("day", None), ("week", "cs.LG"), ("month", "cs.*"), ("day", "cs"), ("day", "math.PR")]
    on_the_fly = [trending.trending(db, settings, window=w, category=c, now=now, limit=50) for w, c in queries]
    trending.refresh(db, settings, now=now)
    from_table = [trending.trending(db, settings, window=w, category=c, limit=50) for w, c in queries]
    assert from_table == on_the_fly
    assert ids(on_the_fly[0])[:3] == ["2606.25351", "2606.25101", "2606.25042"]
    assert trending.scores(db, "day") == pytest.approx({i.id: i.score for i in on_the_fly[0]}, abs=1e-4)


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("cs.LG", {"a"}),
        ("CS.lg", {"a"}),
        ("cs.*", {"a", "b"}),
        ("cs", {"a", "b"}),
        ("math", {"c"}),
        ("math-ph", set()),
    ],
)
def test_category_filter(db: Database, settings: Settings, category: str, expected: set[str]) -> None:
    add_papers(
        db,
        paper("a", D1, categories="stat.ML cs.LG"),
        paper("b", D1, categories="cs.CL"),
        paper("c", D1, categories="math.PR"),
    )
    items = trending.trending(db, settings, window="day", category=category, now=datetime(2026, 3, 2))
    assert set(ids(items)) == expected


def test_bad_window_or_category_is_a_clear_error(db: Database, settings: Settings) -> None:
    with pytest.raises(trending.TrendingError, match="use day, week or month"):
        trending.trending(db, settings, window="year")
    with pytest.raises(trending.TrendingError, match="not a category"):
        trending.trending(db, settings, category="cs%")


def test_deleted_papers_drop_out(db: Database, settings: Settings) -> None:
    add_papers(db, paper("2603.00001", D1), paper("2603.00002", D1))
    add_papers(db, withdrawn("2603.00001"))
    assert ids(trending.trending(db, settings, now=datetime(2026, 3, 2))) == ["2603.00002"]
