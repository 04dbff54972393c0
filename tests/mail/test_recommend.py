"""The recommender in the small real world (50 real papers, the real embedder): claims that are true, the
nothing-new notes, a learned profile that finds the liked theme, retraining only on change, the CLI shapes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import numpy as np
import pytest
from typer.testing import CliRunner

from paperwire import trending
from paperwire.cli import app
from paperwire.db import feedback as fb
from paperwire.db import outbox
from paperwire.db import profiles as store
from paperwire.db import subscribers as subs
from paperwire.mail.digest import due_on_day, plan_digests
from paperwire.mail.plan import DigestPlan
from paperwire.recommend import REASONS, Recommender, picks_for, reader_for
from paperwire.search import MATCH_THRESHOLD
from testkit.mail_world import LISTING_DAY, NOW, World
from testkit.trending_data import add_signal

CODES = ["2605.12796", "2605.13007", "2605.13020"]  # three coding-theory papers (cs.IT) of the day
FOURTH_CODES = "2605.13201"  # "Decoding Product Codes and Staircase Codes ..."
MOTION = ["2605.13693", "2605.13838"]  # StayStill (3D idle animation), R-DMesh (3D animation)
# Judged by hand: the day's papers on animating 3D characters, meshes or motion.
ANIMATION = [*MOTION, "2605.13129", "2605.12778", "2605.13333"]  # Rigel3D, motion in-betweening, text-to-motion


def planned(world: World) -> dict[int, DigestPlan]:
    plan_digests(world.db, world.settings, world.search, due=due_on_day(world.db, LISTING_DAY), now=NOW)
    rows = outbox.claim(world.db, owner="t", limit=100, lease_seconds=60, now=NOW + timedelta(days=400))
    return {row.subscriber_id: DigestPlan.from_json(row.payload) for row in rows}


def test_only_true_matches_are_claimed_and_an_unmatched_topic_gets_a_note(world: World) -> None:
    reader = world.subscriber("claims@example.org", topics=["protein folding", "3D animation"], digest_size=10)
    plan = planned(world)[reader.id]
    assert len(plan.items) == 10
    topic_items = [i for i in plan.items if i.reason == "topic"]
    # Nothing of the day is about protein folding: no paper may claim it, and a note says so.
    assert not [i for i in topic_items if "protein folding" in i.why]
    assert plan.notes == ["Nothing new on *protein folding* today"]
    # The clearest 3D-animation paper is claimed, and only papers a person would call 3D animation are.
    claimed = {i.id for i in topic_items}
    assert "2605.13693" in claimed  # StayStill: a large-scale 3D idle animation dataset
    assert claimed <= set(ANIMATION)
    assert all(i.why == "matches your topic “3D animation”" for i in topic_items)
    # The claim is exactly the search library's judgement: claimed papers pass its threshold, the others do not.
    scores = world.search.match_scores("3D animation", plan.paper_ids)
    assert all(scores[i.id] >= MATCH_THRESHOLD for i in topic_items)
    assert all(scores[i.id] < MATCH_THRESHOLD for i in plan.items if i.id not in claimed)
    # Every other slot is filled from trending and says so.
    assert all(i.reason == "trending" for i in plan.items if i.id not in claimed)
    assert all(i.reason in REASONS for i in plan.items)


def test_a_topic_whose_every_match_the_reader_already_liked_gets_the_nothing_new_note(world: World) -> None:
    first = world.subscriber("first@example.org", topics=["3D animation"], digest_size=10)
    matches = [i.id for i in planned(world)[first.id].items if i.reason == "topic"]
    assert matches  # the day has 3D-animation papers
    reader = world.subscriber("liked-all@example.org", topics=["3D animation"], liked=matches, digest_size=10)
    plan = planned(world)[reader.id]
    # Each match is a paper they already like: none is offered, so the topic has nothing new for them.
    assert not {i.id for i in plan.items} & set(matches)
    assert plan.notes == ["Nothing new on *3D animation* today"]
    assert not [i for i in plan.items if i.reason == "topic"]


def test_author_and_category_with_nothing_new_get_their_notes(world: World) -> None:
    reader = world.subscriber(
        "notes@example.org", authors=["Nobody Of This Name"], categories=["q-bio.NC"], digest_size=3
    )
    plan = planned(world)[reader.id]
    assert plan.notes == ["Nothing new by *Nobody Of This Name* today", "Nothing new in *q-bio.NC* today"]
    assert [i.reason for i in plan.items] == ["trending"] * 3
    assert all(i.why.startswith(("trending today", "one of the newest papers today")) for i in plan.items)


def test_a_reader_who_likes_one_theme_gets_that_theme(world: World) -> None:
    reader = world.subscriber("codes@example.org", liked=CODES, digest_size=5)
    plan = planned(world)[reader.id]
    profile_items = [i for i in plan.items if i.reason == "profile"]
    assert profile_items, plan
    assert profile_items[0].id == FOURTH_CODES
    assert profile_items[0].resembles in CODES
    assert "which you liked" in profile_items[0].why
    assert not {i.id for i in plan.items} & set(CODES)  # papers they already like are not offered again


def test_two_likes_give_similar_papers_named_after_the_liked_one(world: World) -> None:
    reader = world.subscriber("motion@example.org", liked=MOTION, digest_size=4)
    plan = planned(world)[reader.id]
    liked = [i for i in plan.items if i.reason == "liked"]
    assert liked
    assert all(i.resembles in MOTION for i in liked)
    # Each names its real tie to a liked paper: close in meaning, or the words they share.
    assert all(i.why.startswith(("similar to “", "shares the words “")) for i in liked)
    assert all(i.why.endswith("which you liked") for i in liked)
    assert any(i.why.startswith("similar to “") for i in liked)


def test_profile_is_retrained_only_when_feedback_changes(world: World) -> None:
    subscriber = world.subscriber("retrain@example.org", liked=CODES)
    reader = reader_for(world.db, subscriber)
    first = Recommender(world.db, world.settings, world.search, store_profiles=True, now=NOW).prepare([reader])
    assert (first.with_profile, first.trained, first.reused) == (1, 1, 0)
    stored = store.profiles(world.db, [reader.key])[reader.key]
    again = Recommender(world.db, world.settings, world.search, store_profiles=True, now=NOW).prepare([reader])
    assert (again.trained, again.reused) == (0, 1)
    fb.record(world.db, subscriber.id, "2605.13693", fb.FEWER, at=NOW)
    changed = reader_for(world.db, subscriber)
    third = Recommender(world.db, world.settings, world.search, store_profiles=True, now=NOW).prepare([changed])
    assert (third.trained, third.reused) == (1, 0)
    retrained = store.profiles(world.db, [reader.key])[reader.key]
    assert retrained.fingerprint != stored.fingerprint
    assert not np.array_equal(retrained.weights, stored.weights)
    assert fb.undo(world.db, subscriber.id, "2605.13693", fb.FEWER)
    back = Recommender(world.db, world.settings, world.search, store_profiles=True, now=NOW).prepare(
        [reader_for(world.db, subscriber)]
    )
    assert back.trained == 1  # undone: the feedback changed again
    assert store.profiles(world.db, [reader.key])[reader.key].fingerprint == stored.fingerprint


def test_picks_for_stores_nothing(world: World) -> None:
    subscriber = world.subscriber("page@example.org", liked=CODES, topics=["3D animation"])
    picks = picks_for(world.db, world.settings, world.search, reader_for(world.db, subscriber), LISTING_DAY)
    assert picks.period is not None
    assert picks.period.key == LISTING_DAY.isoformat()
    assert picks.items
    assert store.profiles(world.db, [f"subscriber:{subscriber.id}"]) == {}


def test_feedback_more_and_fewer_replace_each_other_and_unknown_papers_are_refused(world: World) -> None:
    subscriber = world.subscriber("fb@example.org")
    assert fb.record(world.db, subscriber.id, "2605.13693", fb.MORE, at=NOW)
    assert not fb.record(world.db, subscriber.id, "2605.13693", fb.MORE, at=NOW)
    assert fb.record(world.db, subscriber.id, "2605.13693", fb.FEWER, at=NOW)
    assert [(f.paper_id, f.kind) for f in fb.for_reader(world.db, subscriber.id)] == [("2605.13693", "fewer")]
    with pytest.raises(LookupError):
        fb.record(world.db, subscriber.id, "2605.99999", fb.SAVE, at=NOW)
    with pytest.raises(ValueError):
        fb.record(world.db, subscriber.id, "2605.13693", "love", at=NOW)
    assert not fb.undo(world.db, subscriber.id, "2605.13693", fb.MORE)


# --- the CLI ----------------------------------------------------------------------------------------------


def env_of(world: World) -> dict[str, str]:
    return {
        "PAPERWIRE_HOME": str(world.settings.home),
        "PAPERWIRE_DATABASE_URL": world.settings.resolved_database_url,
        "PAPERWIRE_BASE_URL": "https://papers.example.org",
    }


def test_subscribers_add_like_takes_stored_papers_and_refuses_others(world: World) -> None:
    runner = CliRunner()
    env = env_of(world)
    bad = runner.invoke(app, ["subscribers", "add", "x@example.org", "--like", "2605.99999", "--confirmed"], env=env)
    assert bad.exit_code != 0
    assert "not stored: 2605.99999" in bad.stderr
    assert subs.find(world.db, "x@example.org") is None
    ok = runner.invoke(
        app,
        [
            "subscribers",
            "add",
            "x@example.org",
            "--like",
            "2605.12796v2",
            "--like",
            "https://arxiv.org/abs/2605.13007",
            "--topic",
            "codes",
            "--confirmed",
        ],
        env=env,
    )
    assert ok.exit_code == 0, ok.stderr
    found = subs.find(world.db, "x@example.org")
    assert found is not None
    assert found.liked == ["2605.12796", "2605.13007"]


def test_digest_preview_json_has_exactly_the_documented_shape(world: World) -> None:
    world.subscriber("preview@example.org", topics=["protein folding", "3D animation"], liked=CODES, digest_size=6)
    result = CliRunner().invoke(
        app,
        ["digest", "preview", "preview@example.org", "--date", LISTING_DAY.isoformat(), "--json"],
        env=env_of(world),
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"subject", "period", "items", "notes"}
    assert data["period"] == LISTING_DAY.isoformat()
    assert isinstance(data["subject"], str)
    assert data["subject"].startswith("paperwire · 6 papers")
    assert len(data["items"]) == 6
    for item in data["items"]:
        assert set(item) == {"id", "title", "why", "reason"}
        assert item["reason"] in REASONS
    reasons = {item["reason"] for item in data["items"]}
    assert {"topic", "profile"} <= reasons
    assert data["notes"] == ["Nothing new on *protein folding* today"]
    assert outbox.counts(world.db) == {}  # a preview plans nothing


# --- co-authors: papers by people who wrote papers the reader liked -------------------------------------------

FABRICATION = "2605.13343"  # by Carl Osborne, Minghao Guo, Wojciech Matusik and Crystal Owens


def add_papers(world: World, *papers: tuple[str, str, list[str]]) -> None:
    """New papers of the listing day, stored without vectors (the author signal needs none)."""
    from paperwire.core.records import PaperRecord
    from paperwire.db.papers import upsert_papers
    from paperwire.ingest.normalize import make_record

    records = [
        make_record(
            raw_id=pid,
            title=title,
            abstract="A study.",
            source="test",
            authors=authors,
            categories=["cs.GR"],
            announced=LISTING_DAY,
        )
        for pid, title, authors in papers
    ]
    with world.db.write() as conn:
        upsert_papers(conn, [r for r in records if isinstance(r, PaperRecord)], now=NOW)


def test_a_paper_by_a_coauthor_of_a_liked_paper_says_who_and_how_many_truly(world: World) -> None:
    add_papers(
        world,
        ("2605.99001", "Knitting robots", ["Wojciech Matusik", "Somebody Else"]),
        ("2605.99002", "Sheep farming at scale", ["Crystal Owens"]),
        ("2605.99003", "Unrelated entirely", ["Nobody Known"]),
    )
    reader = world.subscriber("coauthor@example.org", liked=[FABRICATION], author_name="Crystal Owens", digest_size=10)
    plan = planned(world)[reader.id]
    by_id = {i.id: i for i in plan.items}
    assert by_id["2605.99001"].reason == "liked"
    assert by_id["2605.99001"].why == "by Wojciech Matusik, who wrote 1 paper you liked"
    assert by_id["2605.99001"].resembles == FABRICATION
    # The reader's own name is never a co-author: their own new paper is not offered as "by Crystal Owens, ...".
    assert not any(i.why.startswith("by Crystal Owens") for i in plan.items)
    assert "2605.99002" not in by_id or by_id["2605.99002"].reason == "trending"
    assert "2605.99003" not in by_id or by_id["2605.99003"].reason == "trending"
    # Every "who wrote N papers" count is the real number of the reader's papers with that author.
    liked_authors = {pid: store.papers_by_ids(world.db, [pid])[pid].authors for pid in [FABRICATION]}
    for item in plan.items:
        if ", who wrote " in item.why:
            name = item.why.removeprefix("by ").split(", who wrote ")[0]
            count = int(item.why.split(", who wrote ")[1].split()[0])
            assert count == sum(name in authors for authors in liked_authors.values())


def test_the_coauthor_count_is_every_liked_paper_of_that_author(world: World) -> None:
    add_papers(
        world,
        ("2605.99011", "Older paper one", ["Ada Lovelace"]),
        ("2605.99012", "Older paper two", ["Ada Lovelace", "Charles Babbage"]),
        ("2605.99013", "Analytical engines", ["Lovelace, Ada"]),
    )
    reader = world.subscriber("ada@example.org", liked=["2605.99011", "2605.99012"], digest_size=10)
    plan = planned(world)[reader.id]
    item = next(i for i in plan.items if i.id == "2605.99013")
    assert (item.reason, item.why) == ("liked", "by Lovelace, Ada, who wrote 2 papers you liked")


def test_a_trending_filler_tells_a_first_hugging_face_count_as_its_total(world: World) -> None:
    """A paper first seen on Hugging Face with 162 upvotes is on the list for that count: the digest says
    so ("trending today: 162 on Hugging Face"), never "no reactions to it yet"."""
    at = datetime.combine(LISTING_DAY, datetime.min.time()) + timedelta(hours=9)
    add_signal(world.db, FOURTH_CODES, "hf_upvotes", 162, at)
    add_signal(world.db, FOURTH_CODES, "hf_comments", 5, at)
    trending.refresh(world.db, world.settings, now=NOW)
    reader = world.subscriber("filler@example.org", authors=["Nobody Of This Name"], digest_size=3)
    items = {i.id: i for i in planned(world)[reader.id].items}
    assert items[FOURTH_CODES].reason == "trending"
    assert items[FOURTH_CODES].why == "trending today: 162 on Hugging Face · 5 comments on Hugging Face"
    others = [i for i in items.values() if i.id != FOURTH_CODES]
    assert all(i.why.startswith("one of the newest papers today") for i in others)  # no signals: none claimed
