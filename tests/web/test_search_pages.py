"""The search page and /api/search (issue 13): one h1 and one search box, the honest count, "loosely related"
collapsed, notes for odd input, unknown ids, author links and author queries. On the bundled sample."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from paperwire.core.clock import utcnow
from paperwire.db import users
from paperwire.db.engine import Database
from testkit.site_helpers import sign_in

NONSENSE = "qzxvbnm wpfjkq"


def test_one_h1_one_search_box_and_an_honest_count(client: TestClient) -> None:
    page = client.get("/search", params={"q": "diffusion models for video generation"})
    assert page.status_code == 200
    assert page.text.count("<h1") == 1
    assert len(re.findall(r'<input type="search" name="q"', page.text)) == 1
    count = re.search(r'<p class="count"><strong>([^<]+)</strong>', page.text)
    assert count is not None
    assert re.fullmatch(r"(\d+ papers match|1 paper matches)", count.group(1)), count.group(1)
    api = client.get("/api/search", params={"q": "diffusion models for video generation", "limit": 100}).json()
    matched = [hit for hit in api["results"] if hit["matched"]]
    assert api["matches"] == len(matched)
    assert count.group(1).split()[0] == str(api["matches"]) or api["matches"] == 1
    assert '<details class="loose">' in page.text  # the rest of the page, collapsed
    assert "close in meaning" in page.text
    assert "match your words" in page.text or "matches your words" in page.text


def test_nonsense_matches_no_papers(client: TestClient) -> None:
    page = client.get("/search", params={"q": NONSENSE})
    assert page.status_code == 200
    assert "<strong>no papers match</strong>" in page.text
    api = client.get("/api/search", params={"q": NONSENSE}).json()
    assert api["matches"] == 0
    assert not any(hit["matched"] for hit in api["results"])
    assert all(0.0 <= hit["match"] <= 1.0 for hit in api["results"])


def test_api_hits_carry_match_and_matched_and_matches_come_first(client: TestClient) -> None:
    api = client.get("/api/search", params={"q": "large language model agents", "limit": 50}).json()
    flags = [hit["matched"] for hit in api["results"]]
    assert flags == sorted(flags, reverse=True)
    assert {"id", "title", "score", "match", "matched"} <= set(api["results"][0])
    assert isinstance(api["matches"], int)


def test_odd_queries_are_searched_with_a_note(client: TestClient) -> None:
    page = client.get("/search", params={"q": '"language models'})
    assert page.status_code == 200
    assert "The unmatched quote (&#34;) was searched as an ordinary character." in page.text or (
        "The unmatched quote (&quot;) was searched" in page.text
    )
    api = client.get("/api/search", params={"q": "au: $\\alpha$ models"}).json()
    assert any("au: with nothing after it" in note for note in api["notes"])
    assert any("LaTeX" in note for note in api["notes"])
    long = client.get("/api/search", params={"q": "model " * 1200})
    assert long.status_code == 200
    assert any("5,000 characters" in note for note in long.json()["notes"])


def test_an_unknown_id_says_so_and_offers_an_admin_the_import(client: TestClient, site_db: Database) -> None:
    page = client.get("/search", params={"q": "2104.12255"})
    assert "2104.12255 is not in this library." in page.text
    assert 'action="/admin/import"' not in page.text  # not for a visitor
    api = client.get("/api/search", params={"q": "2104.12255"}).json()
    assert api["unknown_id"] == "2104.12255"
    assert api["results"] == []
    users.set_admin(site_db, "searcher@example.org", admin=True, now=utcnow())
    sign_in(client, site_db, "searcher@example.org")
    page = client.get("/search", params={"q": "2104.12255"})
    assert 'action="/admin/import" method="post"' in page.text
    assert 'name="csrf_token"' in page.text
    assert "paperwire ingest arxiv-api --id 2104.12255" in page.text
    # The button is a POST with CSRF: without the token it is refused.
    assert client.post("/admin/import", data={"paper_id": "2104.12255"}).status_code in {400, 403}


def test_author_names_link_to_their_search_and_a_name_lists_their_papers_newest_first(client: TestClient) -> None:
    page = client.get("/search", params={"q": "progressive regressor registration"})
    assert 'class="author" href="/search?q=au%3A%22' in page.text
    paper = client.get("/papers/2606.31612")
    assert 'href="/search?q=au%3A%22Chen+Liu%22"' in paper.text
    for query in ("Chen Liu", "Liu, Chen", "chen liu", "CHEN LIU", 'au:"Chen Liu"'):
        api = client.get("/api/search", params={"q": query}).json()
        ids = [hit["id"] for hit in api["results"]]
        assert ids[:2] == ["2606.31612", "2606.26387"], (query, ids[:5])  # newest first
        assert all(hit["matched"] for hit in api["results"][:2])
    # Initials match every author with them (Chunjiang Liu, Chao Liu ...), Chen Liu's papers among them.
    api = client.get("/api/search", params={"q": "C. Liu"}).json()
    by_author = [hit["id"] for hit in api["results"] if hit["by_author"]]
    assert {"2606.31612", "2606.26387", "2606.27537"} <= set(by_author)
    page = client.get("/search", params={"q": "Chen Liu"})
    assert "<h1>Papers by Chen Liu</h1>" in page.text
