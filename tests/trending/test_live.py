"""Trending that lives: the as-of rule, counts kept on write, a vote reaching the score, whole-number words."""

from __future__ import annotations

import random
import threading
import time
from datetime import date, datetime, timedelta

import pytest

from paperwire import trending
from paperwire.config import Settings
from paperwire.core.records import Signal
from paperwire.db import signals as signals_db
from paperwire.db.engine import Database
from paperwire.db.schema import signals as signals_table
from paperwire.trending import reactions
from paperwire.trending.explain import describe, explain
from testkit.trending_data import add_papers, add_signal, paper

JULY_1 = date(2026, 7, 1)


def _library(db: Database) -> None:
    """Three listing days, HF upvotes observed on two of them (the newest day is 2026-07-01)."""
    add_papers(
        db,
        paper("2606.00001", date(2026, 6, 26)),
        paper("2606.00002", date(2026, 6, 26)),
        paper("2606.00003", date(2026, 6, 30)),
        paper("2607.00004", JULY_1),
        paper("2607.00005", JULY_1),
    )
    add_signal(db, "2606.00001", "hf_upvotes", 150, datetime(2026, 6, 26))
    add_signal(db, "2606.00002", "hf_upvotes", 20, datetime(2026, 6, 26))
    add_signal(db, "2607.00004", "hf_upvotes", 40, datetime(2026, 7, 1))


def _ids(db: Database, settings: Settings, window: str, now: datetime) -> list[str]:
    return [item.id for item in trending.trending(db, settings, window=window, limit=10, now=now)]


def test_an_old_library_is_scored_as_of_its_newest_day(db: Database, settings: Settings) -> None:
    _library(db)
    months_later = datetime(2026, 12, 2, 9, 30)
    assert trending.as_of(db, settings, now=months_later) == JULY_1
    assert trending.as_of_note(JULY_1) == "Trending as of July 1, 2026, the newest day in this library"
    at_the_time = datetime(2026, 7, 1)  # the same lists as on the newest day itself
    for window in ("day", "week", "month"):
        assert _ids(db, settings, window, months_later) == _ids(db, settings, window, at_the_time)
    day, week, month = (_ids(db, settings, w, months_later) for w in ("day", "week", "month"))
    assert day[0] == "2607.00004"  # today's HF paper; 06-26's upvotes are beyond the day window
    assert "2606.00001" not in day[:2]
    assert week.index("2606.00001") < week.index("2607.00005")
    assert len({tuple(day), tuple(week), tuple(month)}) == 3  # three different lists


def test_a_live_library_is_scored_at_now(db: Database, settings: Settings) -> None:
    _library(db)
    assert trending.as_of(db, settings, now=datetime(2026, 7, 2, 12)) is None  # a day later: still live
    assert trending.as_of_note(None) is None
    items = trending.trending(db, settings, window="day", now=datetime(2026, 7, 2, 12))
    assert {i.id for i in items} >= {"2607.00004"}


def test_scores_tie_only_when_evidence_ties(db: Database, settings: Settings) -> None:
    _library(db)
    items = trending.trending(db, settings, window="week", limit=10, now=datetime(2026, 12, 2))
    by_evidence: dict[tuple[object, ...], set[float]] = {}
    for item in items:
        by_evidence.setdefault((item.announced_on, tuple(sorted(item.why.items()))), set()).add(item.score)
    scores = [item.score for item in items]
    for evidence, values in by_evidence.items():
        assert len(values) == 1, evidence
    assert len(set(scores)) == len(by_evidence)  # different evidence, different scores


def test_a_vote_on_an_old_library_counts_now(db: Database, settings: Settings) -> None:
    """The site's own readers vote now, so their votes are aged from the real clock, not from July 1."""
    _library(db)
    now = datetime(2026, 12, 2, 9, 30)
    trending.refresh(db, settings, now=now)
    before = {i.id: i for i in trending.trending(db, settings, window="day", limit=10)}
    reactions.record_reaction(db, user_id="7", paper_id="2607.00005", kind="upvote", on=True, now=now)
    report = trending.refresh(db, settings, now=now)  # the same minute: the new vote changes the inputs
    assert not report.skipped
    after = {i.id: i for i in trending.trending(db, settings, window="day", limit=10)}
    assert after["2607.00005"].score > before["2607.00005"].score
    assert after["2607.00005"].counts == {"upvote": 1}
    assert after["2607.00005"].reason == "1 upvote here today"


def test_one_visitors_views_never_lift_a_paper_above_a_vote(db: Database, settings: Settings) -> None:
    day = date(2026, 7, 1)
    add_papers(db, paper("2607.00010", day), paper("2607.00011", day))
    reactions.record_reaction(
        db, user_id="1", paper_id="2607.00010", kind="upvote", on=True, now=datetime(2026, 7, 1, 9)
    )
    for n in range(18):  # one visitor, every day for weeks (a view counts once per visitor and day)
        reactions.record_view(db, paper_id="2607.00011", visitor="me", now=datetime(2026, 7, 1) - timedelta(days=n))
    for window in ("day", "week", "month"):
        ranked = _ids(db, settings, window, datetime(2026, 7, 1, 12))
        assert ranked.index("2607.00010") < ranked.index("2607.00011"), window


def _random_writes(db: Database, rng: random.Random) -> None:
    ids = [f"2607.{n:05d}" for n in range(6)]
    add_papers(db, *(paper(i, JULY_1) for i in ids))
    start = datetime(2026, 7, 1)
    for _ in range(120):
        paper_id, actor = rng.choice(ids), f"a{rng.randrange(5)}"
        at = start + timedelta(minutes=rng.randrange(3 * 24 * 60))
        action = rng.randrange(5)
        if action == 0:
            reactions.record_view(db, paper_id=paper_id, visitor=actor, now=at)
        elif action == 1:
            reactions.record_click(db, paper_id=paper_id, subscriber=actor, now=at)
        elif action in (2, 3):
            kind = rng.choice(["upvote", "save"])
            reactions.record_reaction(db, user_id=actor, paper_id=paper_id, kind=kind, on=action == 2, now=at)
        else:  # a bulk write (an import, the benchmark): several events in one call
            batch = [
                (rng.choice(ids), Signal("view", 1.0, at.replace(hour=0, minute=0), "app", f"b{rng.randrange(4)}"))
                for _ in range(3)
            ]
            with db.write() as conn:
                signals_db.add_signals(conn, batch)


def test_counts_kept_on_write_equal_a_full_recount(db: Database) -> None:
    _random_writes(db, random.Random(15))
    with db.read() as conn:
        kept = signals_db.stored_counts(conn)
        recount = signals_db.full_recount(conn)
    assert kept[0] == recount[0]
    assert len(kept[0]) > 10
    assert recount[1] <= kept[1]  # pairs never shrink: a superset of those with two events now
    with db.write() as conn:
        signals_db.rebuild_counts(conn)
    with db.read() as conn:
        assert signals_db.stored_counts(conn)[0] == recount[0]


def test_counts_follow_a_take_back(db: Database) -> None:
    add_papers(db, paper("2607.00001", JULY_1))
    at = datetime(2026, 7, 1, 10, 5)
    reactions.record_reaction(db, user_id="u", paper_id="2607.00001", kind="upvote", on=True, now=at)
    with db.read() as conn:
        assert {(p, k, n) for p, k, _, n in signals_db.stored_counts(conn)[0]} == {("2607.00001", "upvote", 1)}
    reactions.record_reaction(db, user_id="u", paper_id="2607.00001", kind="upvote", on=False, now=at)
    with db.read() as conn:
        assert signals_db.stored_counts(conn)[0] == set()


@pytest.mark.parametrize(
    ("counts", "window", "expected"),
    [
        (
            {"upvote": 12, "hf_upvotes": 163, "github_stars": 40},
            "week",
            "12 upvotes here · 163 on Hugging Face · +40 GitHub stars this week",
        ),
        ({"upvote": 1, "view": 1}, "day", "1 upvote here · 1 view today"),
        (
            {"hf_comments": 2, "save": 3, "click": 1},
            "month",
            "3 saves · 1 digest click · 2 comments on Hugging Face this month",
        ),
        ({"github_stars": 1, "hf_upvotes": 1}, "day", "1 on Hugging Face · +1 GitHub star today"),
        ({"view": 1234}, None, "1,234 views"),
        ({}, "week", "no votes or stars yet"),
        ({"view": 0.4}, "week", "no votes or stars yet"),
    ],
)
def test_the_words_are_whole_numbers(counts: dict[str, float], window: str | None, expected: str) -> None:
    assert describe(counts, window) == expected


def test_older_signals_are_named_not_counted() -> None:
    assert explain({}, {"hf_upvotes": 3.2}, "day") == "earlier signals, fading: nothing new today"
    assert explain({}, {}, "week") == "no votes or stars yet"
    assert explain({"save": 2}, {"save": 1.4}, "week") == "2 saves this week"


def test_list_items_carry_counts_and_reasons_not_decayed_masses(db: Database, settings: Settings) -> None:
    _library(db)
    listed = trending.trending(db, settings, window="week", limit=10, now=datetime(2026, 7, 1))
    [top] = [item for item in listed if item.id == "2606.00001"]
    assert top.counts == {}  # its one HF count is a total (nothing seen before it), not upvotes of this week
    assert top.reason == "150 on Hugging Face"
    assert 0 < top.why["hf_upvotes"] < 150  # decayed (five days old), kept for the API
    assert "." not in top.reason


def test_paper_numbers_are_the_highest_counts_seen(db: Database) -> None:
    add_papers(db, paper("2607.00001", JULY_1), paper("2607.00002", JULY_1))
    add_signal(db, "2607.00001", "hf_upvotes", 40, datetime(2026, 7, 1))
    add_signal(db, "2607.00001", "hf_upvotes", 52, datetime(2026, 7, 2))
    add_signal(db, "2607.00001", "github_stars", 310, datetime(2026, 7, 2), source="github")
    assert trending.paper_numbers(db, ["2607.00001", "2607.00002"]) == {
        "2607.00001": {"hf_upvotes": 52, "github_stars": 310}
    }


def test_the_scheduler_refreshes_trending_between_harvests(db: Database, settings: Settings) -> None:
    """No harvest, no `trending refresh` typed: the scheduler's trending step picks up a new vote."""
    from paperwire.core.clock import frozen
    from paperwire.jobs.scheduler import Scheduler
    from paperwire.search import SearchService

    add_papers(db, paper("2607.00001", JULY_1), paper("2607.00002", JULY_1))
    scheduler = Scheduler(db, settings, SearchService(settings, db))
    with frozen(datetime(2026, 7, 1, 10, 0, 30)):
        scheduler._trending(datetime(2026, 7, 1, 10, 0, 30))
        reactions.record_reaction(db, user_id="u1", paper_id="2607.00002", kind="upvote", on=True)
        scheduler._trending(datetime(2026, 7, 1, 10, 0, 45))  # the next step, 15 s later, same minute
    [top, *_] = trending.trending(db, settings, window="day")
    assert top.id == "2607.00002"
    assert top.counts == {"upvote": 1}
    assert settings.trending_refresh_seconds <= 60


def test_a_repository_seen_for_the_first_time_is_a_total_not_a_rise(db: Database, settings: Settings) -> None:
    """A first star count has nothing before it: it says how many stars there are, not how many came today."""
    add_papers(db, paper("2607.00001", JULY_1), paper("2607.00002", JULY_1), paper("2607.00003", JULY_1))
    add_signal(db, "2607.00001", "github_stars", 2300, datetime(2026, 7, 1, 6), source="github")  # first seen
    add_signal(db, "2607.00002", "github_stars", 500, datetime(2026, 6, 28), source="github")  # seen before
    add_signal(db, "2607.00002", "github_stars", 540, datetime(2026, 7, 1, 6), source="github")
    add_signal(db, "2607.00003", "github_stars", 90, datetime(2026, 6, 29), source="github")  # first, then a rise
    add_signal(db, "2607.00003", "github_stars", 95, datetime(2026, 7, 1, 6), source="github")
    items = {i.id: i for i in trending.trending(db, settings, window="day", limit=10, now=datetime(2026, 7, 1, 12))}
    assert items["2607.00001"].reason == "2,300 GitHub stars"
    assert "github_stars" not in items["2607.00001"].counts
    assert items["2607.00002"].reason == "+40 GitHub stars today"
    assert items["2607.00002"].counts == {"github_stars": 40}
    assert items["2607.00003"].reason == "+5 GitHub stars today"
    week = {i.id: i for i in trending.trending(db, settings, window="week", limit=10, now=datetime(2026, 7, 1, 12))}
    assert week["2607.00003"].reason == "+5 GitHub stars this week"  # the first count (90) is not a rise either
    trending.refresh(db, settings, now=datetime(2026, 7, 1, 12))  # stored scores say the same
    stored = {i.id: i.reason for i in trending.trending(db, settings, window="day", limit=10)}
    assert stored["2607.00001"] == "2,300 GitHub stars"
    assert stored["2607.00002"] == "+40 GitHub stars today"


def test_a_first_hugging_face_count_is_a_total_not_todays(db: Database, settings: Settings) -> None:
    """A paper's first Hugging Face count says how many upvotes it has, not how many came today; a later
    observation's rise is told as the span's. The score counts the first count in full either way."""
    add_papers(db, paper("2607.00001", JULY_1), paper("2607.00002", JULY_1), paper("2607.00003", JULY_1))
    add_signal(db, "2607.00001", "hf_upvotes", 163, datetime(2026, 7, 1, 6))  # first seen today
    add_signal(db, "2607.00002", "hf_upvotes", 100, datetime(2026, 6, 28))  # seen before the day
    add_signal(db, "2607.00002", "hf_upvotes", 163, datetime(2026, 7, 1, 6))
    voted = datetime(2026, 7, 1, 7)
    reactions.record_reaction(db, user_id="u1", paper_id="2607.00003", kind="upvote", on=True, now=voted)
    add_signal(db, "2607.00003", "hf_upvotes", 12, datetime(2026, 7, 1, 6))
    now = datetime(2026, 7, 1, 12)
    items = {i.id: i for i in trending.trending(db, settings, window="day", limit=10, now=now)}
    assert items["2607.00001"].reason == "163 on Hugging Face"
    assert items["2607.00001"].counts == {}
    assert items["2607.00001"].why["hf_upvotes"] > 100  # 163, decayed six hours: counted in full
    assert items["2607.00002"].reason == "63 on Hugging Face today"
    assert items["2607.00003"].reason == "1 upvote here today · 12 on Hugging Face"
    trending.refresh(db, settings, now=now)  # stored scores say the same
    stored = {i.id: i.reason for i in trending.trending(db, settings, window="day", limit=10)}
    assert stored["2607.00001"] == "163 on Hugging Face"
    assert stored["2607.00003"] == "1 upvote here today · 12 on Hugging Face"


def test_a_first_total_follows_the_span_words() -> None:
    counts, why = {"upvote": 3}, {"upvote": 2.5, "github_stars": 30.0}
    assert explain(counts, why, "day", {"github_stars": 2300}) == "3 upvotes here today · 2,300 GitHub stars"
    assert explain({"github_stars": 4}, why, "day", {"github_stars": 2300}) == "+4 GitHub stars today"


def test_a_take_back_changes_the_inputs_fingerprint(db: Database, settings: Settings) -> None:
    """The fingerprint reads the newest id and a deletion counter, not a count: an un-vote must still count."""
    add_papers(db, paper("2607.00001", JULY_1), paper("2607.00002", JULY_1))
    now = datetime(2026, 7, 1, 12)
    reactions.record_reaction(db, user_id="u", paper_id="2607.00002", kind="save", on=True, now=now)
    reactions.record_reaction(db, user_id="u", paper_id="2607.00001", kind="upvote", on=True, now=now)
    assert not trending.refresh(db, settings, now=now).skipped
    assert trending.refresh(db, settings, now=now).skipped
    reactions.record_reaction(db, user_id="u", paper_id="2607.00001", kind="upvote", on=False, now=now)
    assert not trending.refresh(db, settings, now=now).skipped  # the newest row is gone: the id alone went down
    [item] = [i for i in trending.trending(db, settings, window="day", limit=10) if i.id == "2607.00001"]
    assert item.counts == {}
    reactions.record_reaction(db, user_id="u", paper_id="2607.00002", kind="save", on=False, now=now)
    reactions.record_reaction(db, user_id="v", paper_id="2607.00002", kind="save", on=True, now=now)
    assert not trending.refresh(db, settings, now=now).skipped  # a delete and an insert: the same row count


def test_a_late_commit_below_the_newest_id_changes_the_fingerprint(db: Database, settings: Settings) -> None:
    """PostgreSQL hands out ids before commit: a vote can land after one with a higher id."""
    add_papers(db, paper("2607.00001", JULY_1))
    now = datetime(2026, 7, 1, 12)
    row = {"paper_id": "2607.00001", "kind": "view", "value": 1.0, "at": datetime(2026, 7, 1), "source": "app"}
    with db.write() as conn:
        conn.execute(signals_table.insert(), [{**row, "id": 10, "actor": "a"}, {**row, "id": 12, "actor": "b"}])
    assert not trending.refresh(db, settings, now=now).skipped
    with db.write() as conn:  # the transaction that got id 11 commits now
        conn.execute(signals_table.insert(), [{**row, "id": 11, "actor": "c"}])
    assert not trending.refresh(db, settings, now=now).skipped


def test_a_refresh_gives_the_garbage_collector_back_as_it_found_it(db: Database, settings: Settings) -> None:
    import gc

    _library(db)
    assert gc.isenabled()
    trending.refresh(db, settings, now=datetime(2026, 7, 1, 12))
    assert gc.isenabled()
    gc.disable()
    try:
        trending.refresh(db, settings, now=datetime(2026, 7, 1, 13))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_two_writers_counting_one_row_at_once_both_succeed(db: Database) -> None:
    """Two views of a paper on one day share a count row; a second writer recounting it while the first has
    not committed yet must wait for it, not fail on the row's key (it did on PostgreSQL) or lose a view."""
    add_papers(db, paper("2607.00001", JULY_1))
    day = datetime(2026, 7, 1)
    first_in, let_first_commit = threading.Event(), threading.Event()

    def first_writer() -> None:
        with db.write() as conn:
            signals_db.add_signals(conn, [("2607.00001", Signal("view", 1.0, day, "app", "visitor-a"))])
            first_in.set()
            let_first_commit.wait(10)

    failures: list[BaseException] = []

    def second_writer() -> None:
        try:
            reactions.record_view(db, paper_id="2607.00001", visitor="visitor-b", now=day.replace(hour=9))
        except BaseException as error:  # handed to the test's thread, which asserts on it
            failures.append(error)

    first = threading.Thread(target=first_writer)
    first.start()
    assert first_in.wait(10)
    second = threading.Thread(target=second_writer)
    second.start()
    time.sleep(0.5)  # the second writer is now waiting on the first one's open transaction
    let_first_commit.set()
    first.join(10)
    second.join(10)
    assert not failures, failures
    with db.read() as conn:
        kept = signals_db.stored_counts(conn)[0]
        assert kept == signals_db.full_recount(conn)[0]
    assert {(p, k, n) for p, k, _, n in kept} == {("2607.00001", "view", 2)}
