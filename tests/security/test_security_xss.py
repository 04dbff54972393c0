"""Markup in paper text and in user text is inert everywhere it is shown: the pages (paper, search results
with highlighted snippets, trending, library, admin, manage), the RSS/Atom feeds (parsed back) and the
digest mail's HTML part (through ``paperwire digest preview``)."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from paperwire.cli import app as cli_app
from paperwire.config import Settings
from paperwire.core.clock import utcnow
from paperwire.core.records import PaperRecord, Signal
from paperwire.db import papers, users
from paperwire.db import subscribers as subs
from paperwire.db.engine import Database
from paperwire.db.papers import upsert_papers
from paperwire.db.subscribers import Preferences
from paperwire.ingest.normalize import make_record
from paperwire.mail.links import MANAGE
from paperwire.search import SearchService
from paperwire.trending.refresh import refresh
from paperwire.web.services import Services
from testkit.site_helpers import csrf_of, sign_in

EVIL_ID = "2607.66666"
WORD = "zorblaxian"  # a word no real abstract has, so searches find exactly this paper
SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'
LINK = '<a href="javascript:alert(3)">click</a>'
CATEGORY = '"><svg/onload=alert(4)>'
EVIL_TITLE = f"{SCRIPT} {WORD} title"
EVIL_ABSTRACT = f"We study {WORD} models. {IMG} and {LINK} and {SCRIPT}. More {WORD} text follows here."
DAY = date(2026, 7, 1)
SAMPLE_NOW = datetime(2026, 7, 1, 12, 0)


class ActiveMarkup(HTMLParser):
    """What a browser would treat as active: script elements, on* attributes, javascript: URLs, and any of
    the injected elements (img, svg, a with our payload)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and not any(name == "src" for name, _ in attrs):
            self.found.append("inline <script>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name in ("href", "src", "action", "formaction") and value and "javascript:" in value.lower():
                self.found.append(f"<{tag} {name}={value}>")
        if tag == "img" and ("src", "x") in attrs:
            self.found.append("injected <img>")


def active_markup(page: str) -> list[str]:
    parser = ActiveMarkup()
    parser.feed(page)
    return parser.found


def assert_inert(page: str, where: str) -> None:
    found = active_markup(page)
    assert not found, f"active markup in {where}: {found}"
    assert SCRIPT not in page, where


@pytest.fixture(scope="module")
def evil_paper(sec_db: Database, sec_app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    record = make_record(
        raw_id=EVIL_ID,
        title=EVIL_TITLE,
        abstract=EVIL_ABSTRACT,
        source="test",
        authors=[f"Eve {SCRIPT}", "Mallory <b onmouseover=alert(5)>X</b>"],
        categories=["zz.EVIL", "cs.LG", CATEGORY],
        announced=DAY,
        submitted=datetime(2026, 6, 30),
        comments=f"10 pages {IMG}",
        journal_ref=LINK,
        ai_summary=f"In short {SCRIPT}",
        ai_keywords=[SCRIPT, "graphs"],
        signals=[Signal("hf_upvotes", 500.0, datetime(2026, 7, 1, 9), "hf-daily")],
    )
    assert isinstance(record, PaperRecord)
    with sec_db.write() as conn:
        upsert_papers(conn, [record], now=utcnow())
    services: Services = sec_app.state.services
    services.search.catch_up()
    refresh(sec_db, services.settings, now=SAMPLE_NOW)
    services.cache.clear()
    return EVIL_ID


def test_the_detector_sees_active_markup() -> None:
    """The checks below can fail: raw payloads are found, escaped ones are not."""
    for raw in (SCRIPT, IMG, LINK, f"<a {CATEGORY[2:]}"):
        assert active_markup(f"<p>{raw}</p>") or SCRIPT in raw
    assert not active_markup(f"<p>{html.escape(IMG)} {html.escape(LINK)} {html.escape(SCRIPT)}</p>")


def test_paper_page(client: TestClient, evil_paper: str) -> None:
    page = client.get(f"/papers/{evil_paper}")
    assert page.status_code == 200
    assert WORD in page.text
    assert html.escape(SCRIPT, quote=False) in page.text  # shown as text
    assert_inert(page.text, "the paper page")


def test_search_results_and_highlighted_snippets(client: TestClient, evil_paper: str) -> None:
    for query in (WORD, f"{WORD} alert onerror", "javascript alert"):
        page = client.get("/search", params={"q": query})
        assert page.status_code == 200
        assert_inert(page.text, f"search results for {query!r}")
    page = client.get("/search", params={"q": WORD})
    assert f"<mark>{WORD}</mark>" in page.text  # the highlight is markup, the paper's text is not
    assert f"/papers/{evil_paper}" in page.text
    # the query itself, reflected into the page
    reflected = client.get("/search", params={"q": f'{WORD} "><script>alert(6)</script>'})
    assert_inert(reflected.text, "a reflected query")


def test_trending_page(client: TestClient, evil_paper: str) -> None:
    page = client.get("/", params={"window": "week", "category": "zz.EVIL"})
    assert page.status_code == 200
    assert f"/papers/{evil_paper}" in page.text, "the paper should be listed in its category"
    assert_inert(page.text, "the trending page")
    for fmt in ("rss", "atom"):
        feed = client.get(f"/feeds/trending.{fmt}", params={"window": "week", "category": "zz.EVIL"})
        assert evil_paper in feed.text
    # a category that cannot be one is a clear 400, with nothing of it active in the page
    for path in ("/", "/feeds/trending.rss"):
        bad = client.get(path, params={"category": CATEGORY})
        assert bad.status_code == 400
        assert_inert(bad.text, f"{path} with a hostile category")


def test_library_page(client: TestClient, sec_db: Database, evil_paper: str) -> None:
    sign_in(client, sec_db, "collector@example.org")
    saved = client.post(f"/api/papers/{evil_paper}/save", headers={"X-CSRF-Token": csrf_of(client)})
    assert saved.status_code == 200
    page = client.get("/library")
    assert f"/papers/{evil_paper}" in page.text
    assert_inert(page.text, "the library")


def test_admin_page_shows_user_text_inert(client: TestClient, sec_db: Database, services: Services) -> None:
    """Subscriber topics, bounce reasons from mail servers and addresses are outside text too."""
    subs.add(sec_db, "marked@example.org", Preferences(topics=[SCRIPT]), confirmed=True, now=utcnow())
    subs.suppress(sec_db, "marked@example.org", f"550 {IMG} {SCRIPT}", now=utcnow())
    users.set_admin(sec_db, "xss-admin@example.org", admin=True, now=utcnow())
    sign_in(client, sec_db, "xss-admin@example.org")
    page = client.get("/admin", params={"q": f"marked{SCRIPT}"})
    assert_inert(page.text, "the admin page with a reflected query")
    page = client.get("/admin", params={"q": "marked"})
    assert "marked@example.org" in page.text
    assert "550 &lt;img src=x onerror=" in page.text
    assert_inert(page.text, "the admin page")


def test_manage_page_shows_user_text_inert(client: TestClient, sec_db: Database, services: Services) -> None:
    subscriber, _ = subs.add(
        sec_db, "manager@example.org", Preferences(topics=[SCRIPT, IMG], authors=[LINK]), confirmed=True, now=utcnow()
    )
    page = client.get(f"/manage/{services.signer.make(MANAGE, {'s': subscriber.id})}")
    assert page.status_code == 200
    assert_inert(page.text, "the manage page")


def test_error_pages_reflect_nothing_active(client: TestClient) -> None:
    for path in (f"/papers/{SCRIPT}", "/papers/%3Cimg%20src=x%20onerror=alert(1)%3E"):
        page = client.get(path)
        assert page.status_code == 404
        assert_inert(page.text, f"the 404 page for {path}")
    signin = client.get("/signin", params={"next": '/"><script>alert(7)</script>'})
    assert_inert(signin.text, "the sign-in page with a hostile next")


# --- feeds ------------------------------------------------------------------------------------------------


def stored(client: TestClient, paper_id: str) -> dict[str, str]:
    """The paper's text as stored (ingest may already have cleaned some of the markup away)."""
    paper = papers.get_paper(client.app.state.services.db, paper_id)  # type: ignore[attr-defined]
    assert paper is not None
    assert "<script>" in paper["title"]  # still hostile: the feeds must do the escaping
    return {"title": paper["title"], "abstract": paper["abstract"]}


def _rss_items(body: bytes) -> list[ET.Element]:
    return ET.fromstring(body).findall("./channel/item")


def test_rss_feed_escapes_paper_text(client: TestClient, evil_paper: str) -> None:
    body = client.get("/feeds/search.rss", params={"q": WORD}).content
    [item] = [i for i in _rss_items(body) if evil_paper in (i.findtext("link") or "")]
    # RSS <description> is HTML (entity-encoded): decoded once it must still be text, not tags.
    description = item.findtext("description") or ""
    assert "<" not in description, description
    assert html.unescape(description) == stored(client, evil_paper)["abstract"]
    assert not active_markup(description)
    title = item.findtext("title") or ""
    assert title == stored(client, evil_paper)["title"]  # plain text once XML-decoded
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    [entry] = [e for e in parsed.entries if evil_paper in e.link]
    assert "<img" not in entry.summary
    assert "<script" not in entry.summary
    assert not active_markup(entry.summary)


def test_atom_feed_escapes_paper_text(client: TestClient, evil_paper: str) -> None:
    body = client.get("/feeds/search.atom", params={"q": WORD}).content
    ns = {"a": "http://www.w3.org/2005/Atom"}
    root = ET.fromstring(body)
    [entry] = [e for e in root.findall("a:entry", ns) if evil_paper in (e.findtext("a:id", namespaces=ns) or "")]
    summary = entry.find("a:summary", ns)
    assert summary is not None
    assert summary.get("type") == "text"  # Atom text constructs are never interpreted as markup
    assert summary.text == stored(client, evil_paper)["abstract"]
    title = entry.find("a:title", ns)
    assert title is not None
    assert title.get("type", "text") == "text"
    assert title.text == stored(client, evil_paper)["title"]
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    [parsed_entry] = [e for e in parsed.entries if evil_paper in e.link]
    # a feed reader gets the abstract and title as text/plain: shown as characters, never parsed as HTML
    assert parsed_entry.summary_detail.type == "text/plain"
    assert parsed_entry.title_detail.type == "text/plain"


def test_feed_links_use_the_configured_site_not_the_host_header(client: TestClient, evil_paper: str) -> None:
    """Feeds are cached publicly: a forged Host header must not put another site's links into them."""
    for fmt in ("rss", "atom"):
        body = client.get(f"/feeds/search.{fmt}", params={"q": WORD}, headers={"Host": "evil.example"}).text
        assert "evil.example" not in body
        assert f"http://testserver/papers/{evil_paper}" in body


# --- the digest mail ---------------------------------------------------------------------------------------


def test_digest_html_part_is_inert(sec_settings: Settings, sec_db: Database, evil_paper: str, tmp_path: Path) -> None:
    """Through ``paperwire digest preview`` (the public way to render a digest): the paper's text and the
    subscriber's own topics are escaped in the HTML part, and the text part carries them as plain text."""
    topic = f"{WORD} {SCRIPT}"
    subs.add(sec_db, "digest-xss@example.org", Preferences(topics=[topic]), confirmed=True, now=utcnow())
    env = {
        "PAPERWIRE_HOME": str(sec_settings.home),
        "PAPERWIRE_DATABASE_URL": sec_settings.resolved_database_url,
        "PAPERWIRE_BASE_URL": "https://papers.example.org",
    }
    out = tmp_path / "digest.html"
    result = CliRunner().invoke(
        cli_app, ["digest", "preview", "digest-xss@example.org", "--date", DAY.isoformat(), "--html", str(out)], env=env
    )
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert WORD in page, "the hostile paper should be in this digest"
    assert_inert(page, "the digest's HTML part")
    assert html.escape(SCRIPT, quote=False) in page or "&lt;script&gt;" in page
    hrefs = re.findall(r'href="([^"]+)"', page)
    assert hrefs
    assert all(h.startswith(("https://", "mailto:")) for h in hrefs), hrefs


def test_search_service_snippets_escape_the_abstract(sec_settings: Settings, sec_db: Database, evil_paper: str) -> None:
    search = SearchService(sec_settings, sec_db)
    results = search.search(WORD, limit=5)
    [hit] = [h for h in results.hits if h.id == evil_paper]
    snippet = hit.snippet_html
    assert WORD in snippet
    assert not active_markup(snippet)
