"""The pages through FastAPI's test client, on a real SQLite database with the real sample papers."""

from __future__ import annotations

from fastapi.testclient import TestClient

from paperwire.core.clock import utcnow
from paperwire.core.records import PaperRecord
from paperwire.db.engine import Database
from paperwire.db.papers import upsert_papers
from paperwire.ingest.normalize import make_record


def test_trending_page_lists_papers_with_cards_and_feeds(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.text.count('class="card"') == 20
    assert "Get trending papers in your email inbox once a day" in page.text
    assert 'rel="alternate" type="application/rss+xml"' in page.text
    assert 'rel="alternate" type="application/atom+xml"' in page.text
    month = client.get("/?window=month")
    assert month.status_code == 200
    assert 'aria-current="page">This month' in month.text


def test_windows_and_category_filter(client: TestClient) -> None:
    for window in ("day", "week", "month"):
        assert client.get(f"/?window={window}").status_code == 200
    filtered = client.get("/?window=week&category=cs.CV")
    assert filtered.status_code == 200
    assert 'class="tag" href="/?category=cs.CV"' in filtered.text
    assert client.get("/?window=year").status_code == 422


def test_search_page_highlights_terms_and_handles_bad_queries(client: TestClient) -> None:
    page = client.get("/search", params={"q": "diffusion"})
    assert page.status_code == 200
    assert "<mark>" in page.text.lower()
    assert 'type="application/rss+xml"' in page.text
    empty = client.get("/search", params={"q": "   "})
    assert empty.status_code == 200
    assert "Type a few words" in empty.text
    too_long = client.get("/search", params={"q": "x" * 1500})
    assert too_long.status_code == 400
    assert "Traceback" not in too_long.text


def test_paper_page_has_links_sparkline_and_similar(client: TestClient) -> None:
    page = client.get("/papers/2606.27377")
    assert page.status_code == 200
    assert "DanceOPD: On-Policy Generative Field Distillation" in page.text
    assert "https://arxiv.org/pdf/2606.27377" in page.text
    assert "<svg" in page.text
    assert 'id="similar"' in page.text
    assert client.get("/papers/2606.27377v2", follow_redirects=False).headers["location"] == "/papers/2606.27377"


def test_unknown_paper_is_a_real_404_page(client: TestClient) -> None:
    page = client.get("/papers/9999.99999")
    assert page.status_code == 404
    assert "Not found" in page.text
    api = client.get("/api/papers/9999.99999")
    assert api.status_code == 404
    assert api.json() == {"error": {"status": 404, "message": "no paper 9999.99999"}}


def test_paper_text_with_markup_is_rendered_inert(client: TestClient, site_db: Database) -> None:
    evil = make_record(
        raw_id="2401.66666",
        title="<script>alert(1)</script> title",
        abstract="<img src=x onerror=alert(2)> abstract",
        source="test",
    )
    assert isinstance(evil, PaperRecord)
    with site_db.write() as conn:
        upsert_papers(conn, [evil], now=utcnow())
    page = client.get("/papers/2401.66666")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<img src=x" not in page.text


def test_security_headers_on_every_page(client: TestClient) -> None:
    for path in ("/", "/search?q=graph", "/papers/2606.27377", "/about", "/api/trending", "/nope"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin"


def test_static_assets_are_cached_and_local(client: TestClient) -> None:
    page = client.get("/")
    assert "http://" not in page.text.split("<body")[0].replace("http://www.w3.org", "")
    css = client.get("/static/style.css")
    assert css.status_code == 200
    assert "immutable" in css.headers["cache-control"]


def test_about_health_and_docs(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    about = client.get("/about")
    assert about.status_code == 200
    assert "Papers" in about.text
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "/static/swagger/swagger-ui-bundle.js" in docs.text
    assert client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200
    assert client.get("/openapi.json").json()["info"]["title"] == "paperwire"
