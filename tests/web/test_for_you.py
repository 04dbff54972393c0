"""For you (issue 14): the signed-in reader's page and the personal feed, both the digest's own ranking
(``recommend.picks_for``); the feed's secret URL works, stops working when renewed, and a wrong one is a 404.
Feeds are parsed back with feedparser."""

from __future__ import annotations

import re

import feedparser
from fastapi.testclient import TestClient
from markupsafe import escape

from paperwire.core.clock import utcnow
from paperwire.db import subscribers as subs
from paperwire.db.engine import Database
from paperwire.db.subscribers import Preferences
from paperwire.mail.links import Links, feed_key
from paperwire.recommend import picks_for, reader_for
from paperwire.web.services import Services
from testkit.site_helpers import csrf_of, sign_in

FEED_URL = re.compile(r'value="http://testserver(/feeds/for-you/[^"]+\.(atom|rss))"')


def services_of(client: TestClient) -> Services:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    return services


def subscribe(db: Database, email: str) -> subs.Subscriber:
    subscriber, _ = subs.add(
        db, email, Preferences(topics=["diffusion models", "reinforcement learning"]), confirmed=True, now=utcnow()
    )
    return subscriber


def expected_picks(client: TestClient, subscriber: subs.Subscriber) -> list[tuple[str, str]]:
    services = services_of(client)
    picks = picks_for(
        services.db, services.settings, services.search, reader_for(services.db, subscriber), utcnow().date(), 20
    )
    return [(pick.paper_id, pick.why) for pick in picks.items]


def test_for_you_needs_sign_in(client: TestClient) -> None:
    response = client.get("/for-you", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/signin")


def test_for_you_page_shows_the_digest_ranking_with_its_reasons(client: TestClient, site_db: Database) -> None:
    subscriber = subscribe(site_db, "foryou-page@example.org")
    sign_in(client, site_db, "foryou-page@example.org")
    page = client.get("/for-you")
    assert page.status_code == 200
    assert 'href="/for-you"' in page.text  # the nav link
    expected = expected_picks(client, subscriber)
    assert expected  # the sample has papers on these topics: the test would show nothing otherwise
    shown = re.findall(r'<h2><a href="/papers/([^"]+)">', page.text)
    assert shown == [paper_id for paper_id, _ in expected]
    for _, why in expected:
        assert str(escape(why)) in page.text


def test_a_user_without_a_subscription_is_told_how_to_get_one(client: TestClient, site_db: Database) -> None:
    sign_in(client, site_db, "foryou-nosub@example.org")
    page = client.get("/for-you")
    assert page.status_code == 200
    assert 'href="/subscribe"' in page.text
    assert "/feeds/for-you/" not in page.text


def feed_paths(client: TestClient, manage_path: str) -> dict[str, str]:
    page = client.get(manage_path)
    assert page.status_code == 200
    return {fmt: path for path, fmt in FEED_URL.findall(page.text)}


def test_personal_feed_works_is_revocable_and_wrong_keys_are_404(client: TestClient, site_db: Database) -> None:
    subscriber = subscribe(site_db, "foryou-feed@example.org")
    links = Links.build(services_of(client).settings)
    manage = links.manage(subscriber.id).replace("http://testserver", "")
    paths = feed_paths(client, manage)
    assert set(paths) == {"atom", "rss"}
    expected = expected_picks(client, subscriber)
    assert expected
    for fmt, path in paths.items():
        response = client.get(path)
        assert response.status_code == 200, fmt
        assert response.headers["cache-control"].startswith("private")
        parsed = feedparser.parse(response.text)
        assert not parsed.bozo, parsed.bozo_exception
        assert parsed.feed.title.startswith("paperwire: for you")
        assert [entry.link for entry in parsed.entries] == [f"http://testserver/papers/{p}" for p, _ in expected]
        for entry, (_, why) in zip(parsed.entries, expected, strict=True):
            assert entry.summary.startswith(f"Why: {why}.")
    # A new link revokes the old one.
    renewed = client.post(f"{manage}/feed", data={"csrf_token": csrf_of(client, manage)})
    assert renewed.status_code == 200
    assert "The old one no longer works" in renewed.text
    new_paths = feed_paths(client, manage)
    assert new_paths["atom"] != paths["atom"]
    assert client.get(paths["atom"]).status_code == 404
    assert client.get(paths["rss"]).status_code == 404
    assert client.get(new_paths["atom"]).status_code == 200
    # Wrong keys: a changed MAC, another subscriber's id with this MAC, a future generation, nonsense.
    key = new_paths["atom"].removeprefix("/feeds/for-you/").removesuffix(".atom")
    sid, generation, mac = key.split("-", 2)
    secret = services_of(client).settings.secret_key
    other = subscribe(site_db, "foryou-other@example.org")
    for wrong in (
        f"{sid}-{generation}-{mac[:-1]}{'A' if mac[-1] != 'A' else 'B'}",
        f"{other.id}-{generation}-{mac}",
        feed_key(secret, subscriber.id, int(generation) + 1),
        feed_key("another site's secret key, long enough to pass", subscriber.id, int(generation)),
        "nonsense",
    ):
        assert client.get(f"/feeds/for-you/{wrong}.atom").status_code == 404, wrong
    # The feed needs no session: a feed reader has none.
    assert TestClient(client.app).get(new_paths["rss"]).status_code == 200


def test_a_deleted_subscription_has_no_feed(client: TestClient, site_db: Database) -> None:
    subscriber = subscribe(site_db, "foryou-gone@example.org")
    path = Links.build(services_of(client).settings).personal_feed(subscriber.id, 0).replace("http://testserver", "")
    assert client.get(path).status_code == 200
    subs.remove(site_db, subscriber.id)
    assert client.get(path).status_code == 404
