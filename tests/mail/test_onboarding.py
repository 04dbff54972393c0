"""Onboarding (issue 14): the subscribe and manage pages take papers you like (arXiv ids or abs/pdf links, one
per line) and your name as an author; unknown papers get a clear message and lose nothing typed; both seed
the reader the recommender ranks for."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from paperwire.db import subscribers as subs
from paperwire.mail.links import Links
from paperwire.recommend import picks_for, reader_for
from paperwire.web.app import create_app
from testkit.mail_world import LISTING_DAY, World

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
MOTION = ["2605.12778", "2605.13333", "2605.13838"]  # motion in-betweening, text-to-motion, 3D animation


@pytest.fixture
def client(world: World) -> TestClient:
    return TestClient(create_app(world.settings, db=world.db, search=world.search), base_url="https://testserver")


def csrf(client: TestClient, path: str) -> str:
    match = CSRF.search(client.get(path).text)
    assert match
    return match.group(1)


def test_subscribe_with_liked_papers_and_own_name(world: World, client: TestClient) -> None:
    liked = "2605.12778\nhttps://arxiv.org/abs/2605.13333v2\r\nhttps://arxiv.org/pdf/2605.13838.pdf\n\n2605.12778"
    response = client.post(
        "/subscribe",
        data={
            "email": "ida@example.org",
            "liked": liked,
            "author_name": "  Tejaswin   Parthasarathy ",
            "csrf_token": csrf(client, "/subscribe"),
        },
    )
    assert response.status_code == 200, response.text
    subscriber = subs.find(world.db, "ida@example.org")
    assert subscriber is not None
    assert (subscriber.liked, subscriber.author_name) == (MOTION, "Tejaswin Parthasarathy")
    reader = reader_for(world.db, subscriber)
    assert reader.liked == tuple(MOTION)
    assert reader.author_name == "Tejaswin Parthasarathy"


def test_unknown_liked_papers_are_named_and_nothing_typed_is_lost(world: World, client: TestClient) -> None:
    response = client.post(
        "/subscribe",
        data={
            "email": "jo@example.org",
            "topics": "motion generation",
            "liked": "2605.12778\n2699.99999\nnot-a-paper",
            "csrf_token": csrf(client, "/subscribe"),
        },
    )
    assert response.status_code == 400
    assert "liked papers not on this site: 2699.99999, not-a-paper" in response.text
    assert "2605.12778\n2699.99999\nnot-a-paper</textarea>" in response.text  # the form keeps what was typed
    assert 'value="jo@example.org"' in response.text
    assert "motion generation" in response.text
    assert subs.find(world.db, "jo@example.org") is None


def test_manage_page_edits_liked_papers_and_name(world: World, client: TestClient) -> None:
    subscriber = world.subscriber("kim@example.org", topics=["motion"], liked=MOTION[:1])
    path = Links.build(world.settings).manage(subscriber.id).removeprefix("https://papers.example.org")
    page = client.get(path)
    assert "2605.12778</textarea>" in page.text
    fields = {"topics": "motion", "frequency": "daily", "weekday": "0", "hour": "7", "timezone": "UTC"}
    bad = client.post(path, data={**fields, "liked": "2605.12778\n1234.5678", "csrf_token": csrf(client, path)})
    assert bad.status_code == 400
    assert "liked papers not on this site: 1234.5678" in bad.text
    assert subs.get(world.db, subscriber.id).liked == MOTION[:1]  # type: ignore[union-attr]
    saved = client.post(
        path,
        data={**fields, "liked": "\n".join(MOTION), "author_name": "Zijie Wu", "csrf_token": csrf(client, path)},
    )
    assert saved.status_code == 200
    fresh = subs.get(world.db, subscriber.id)
    assert fresh is not None
    assert (fresh.liked, fresh.author_name) == (MOTION, "Zijie Wu")
    # Saving the form as shown changes nothing: the liked papers and name are sent back, not cleared.
    page = client.get(path).text
    shown_liked = re.search(r'<textarea name="liked"[^>]*>([^<]*)</textarea>', page)
    shown_name = re.search(r'name="author_name" value="([^"]*)"', page)
    assert shown_liked
    assert shown_name
    again = {**fields, "liked": shown_liked.group(1), "author_name": shown_name.group(1)}
    assert client.post(path, data={**again, "csrf_token": csrf(client, path)}).status_code == 200
    assert subs.get(world.db, subscriber.id) == fresh


def test_liked_papers_seed_the_picks(world: World) -> None:
    """A reader who gave only papers they like (no topic) gets picks explained by those papers."""
    subscriber = world.subscriber("lee@example.org", liked=MOTION)
    picks = picks_for(world.db, world.settings, world.search, reader_for(world.db, subscriber), LISTING_DAY, 5)
    learned = [pick for pick in picks.items if pick.reason in {"liked", "profile"}]
    assert learned, picks
    assert all(pick.resembles in MOTION for pick in learned)
    assert not set(MOTION) & {pick.paper_id for pick in picks.items}  # what you gave is not shown back to you


def test_resolver_takes_ids_and_links(world: World) -> None:
    from paperwire.mail.subscriptions import InvalidSubscription, resolve_liked

    assert resolve_liked(world.db, "arxiv:2605.12778v1, https://arxiv.org/abs/2605.13333; 2605.13838") == MOTION
    assert resolve_liked(world.db, "") == []
    with pytest.raises(InvalidSubscription, match="at most 50"):
        resolve_liked(world.db, " ".join(f"2605.{n:05d}" for n in range(51)))
