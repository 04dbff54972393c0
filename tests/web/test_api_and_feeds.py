"""The JSON API and the RSS/Atom feeds (parsed back with feedparser)."""

from __future__ import annotations

import feedparser
from fastapi.testclient import TestClient


def test_api_search_returns_ids_titles_scores(client: TestClient) -> None:
    data = client.get("/api/search", params={"q": "graph neural networks"}).json()
    assert data["results"]
    assert {"id", "title", "score"} <= set(data["results"][0])
    by_id = client.get("/api/search", params={"q": "2606.27377"}).json()
    assert by_id["results"][0]["id"] == "2606.27377"
    assert by_id["results"][0]["pinned"] is True


def test_api_bad_search_is_a_clear_400(client: TestClient) -> None:
    response = client.get("/api/search", params={"q": " "})
    assert response.status_code == 400
    assert response.json()["error"]["status"] == 400
    missing = client.get("/api/search")
    assert missing.status_code == 422
    assert "q" in missing.json()["error"]["message"]


def test_api_etag_and_304(client: TestClient) -> None:
    first = client.get("/api/papers/2606.27377")
    assert first.status_code == 200
    assert first.json()["title"] == "DanceOPD: On-Policy Generative Field Distillation"
    etag = first.headers["etag"]
    second = client.get("/api/papers/2606.27377", headers={"If-None-Match": etag})
    assert second.status_code == 304
    assert "max-age" in first.headers["cache-control"]


def test_api_papers_by_day_and_pagination(client: TestClient) -> None:
    latest = client.get("/api/papers", params={"limit": 5}).json()
    assert latest["date"] == "2026-07-01"
    assert len(latest["papers"]) == 5
    page2 = client.get("/api/papers", params={"limit": 5, "offset": 5}).json()
    assert {p["id"] for p in latest["papers"]}.isdisjoint(p["id"] for p in page2["papers"])
    older = client.get("/api/papers", params={"date": "2026-06-26", "limit": 200}).json()
    assert older["papers"]
    assert all(p["announced_on"] == "2026-06-26" for p in older["papers"])


def test_api_trending_has_why(client: TestClient) -> None:
    data = client.get("/api/trending", params={"window": "week", "limit": 5}).json()
    assert len(data["items"]) == 5
    assert all({"id", "title", "score", "why"} <= set(item) for item in data["items"])
    scores = [item["score"] for item in data["items"]]
    assert scores == sorted(scores, reverse=True)


def test_api_similar(client: TestClient) -> None:
    data = client.get("/api/papers/2606.27377/similar", params={"limit": 5}).json()
    assert len(data["results"]) == 5
    assert "2606.27377" not in [hit["id"] for hit in data["results"]]


def test_trending_feeds_parse(client: TestClient) -> None:
    for fmt in ("rss", "atom"):
        response = client.get(f"/feeds/trending.{fmt}", params={"window": "week"})
        assert response.status_code == 200
        feed = feedparser.parse(response.content)
        assert not feed.bozo, feed.get("bozo_exception")
        # The sample's newest day is long past, so the feed says as of when (the trending issue's as-of rule).
        assert feed.feed.title == (
            "paperwire: trending this week (trending as of July 1, 2026, the newest day in this library)"
        )
        assert len(feed.entries) >= 20
        assert feed.entries[0].link.startswith("http://testserver/papers/")
        assert feed.entries[0].title


def test_search_feed_parses_and_escapes(client: TestClient) -> None:
    for fmt in ("rss", "atom"):
        response = client.get(f"/feeds/search.{fmt}", params={"q": "language models <&>"})
        assert response.status_code == 200
        feed = feedparser.parse(response.content)
        assert not feed.bozo, feed.get("bozo_exception")
        assert feed.feed.title == "paperwire: language models <&>"


def test_router_level_404_and_405_use_the_api_error_body(client: TestClient) -> None:
    """Not only our own HTTPExceptions: the router's "no such route" and "wrong method" too."""
    missing = client.get("/api/no-such-endpoint")
    assert missing.status_code == 404
    assert missing.json() == {"error": {"status": 404, "message": "Not Found"}}
    wrong_method = client.put("/api/trending")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["status"] == 405
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert "<!doctype html>" in page.text.lower()
