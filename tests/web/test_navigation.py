"""Every page starts with a skip link to its main content; the nav shows Admin to admins only (issue 16)."""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from paperwire.db import users
from paperwire.db.engine import Database
from testkit.site_helpers import sign_in

PAGES = [
    "/",
    "/?window=week",
    "/search?q=graph+neural+networks",
    "/papers/2606.27377",
    "/subscribe",
    "/signin",
    "/about",
    "/papers/2401.99999",  # the 404 page
    "/docs",  # Swagger UI's page, not base.html
]


class Outline(HTMLParser):
    """The first link in <body>, the ids on the page, and the links of the top nav."""

    def __init__(self) -> None:
        super().__init__()
        self.in_body = self.in_nav = False
        self.first_link: dict[str, str | None] | None = None
        self.ids: dict[str, str] = {}
        self.nav_links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "body":
            self.in_body = True
        if attributes.get("id"):
            self.ids[str(attributes["id"])] = tag
        if tag == "nav" and "top-nav" in (attributes.get("class") or ""):
            self.in_nav = True
        if tag == "a" and self.in_body and self.first_link is None:
            self.first_link = attributes
        if tag == "a" and self.in_nav:
            self.nav_links.append(str(attributes.get("href")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self.in_nav = False


def outline(client: TestClient, path: str) -> Outline:
    page = Outline()
    page.feed(client.get(path).text)
    return page


@pytest.mark.parametrize("path", PAGES)
def test_every_page_starts_with_a_skip_link_to_its_main_content(client: TestClient, path: str) -> None:
    page = outline(client, path)
    assert page.first_link is not None
    assert page.first_link["href"] == "#main"
    assert page.first_link["class"] == "skip-link"
    assert page.ids.get("main") == "main"  # the target is the <main> element itself


def test_signed_in_pages_have_the_skip_link_too(client: TestClient, site_db: Database) -> None:
    sign_in(client, site_db, "skip@example.org")
    for path in ("/library", "/"):
        assert (outline(client, path).first_link or {}).get("href") == "#main"


def test_admin_link_only_for_admins(client: TestClient, site_db: Database) -> None:
    assert "/admin" not in outline(client, "/").nav_links  # a visitor
    sign_in(client, site_db, "reader@example.org")
    assert "/admin" not in outline(client, "/").nav_links  # a reader
    assert client.get("/admin").status_code == 403

    users.set_admin(site_db, "reader@example.org", admin=True, now=datetime.now(UTC).replace(tzinfo=None))
    try:
        page = outline(client, "/")
        assert page.nav_links[:2] == ["/library", "/admin"]
        assert client.get("/admin").status_code == 200  # and it leads somewhere the admin may go
    finally:
        users.set_admin(site_db, "reader@example.org", admin=False, now=datetime.now(UTC).replace(tzinfo=None))
    assert "/admin" not in outline(client, "/").nav_links  # revoked: gone on the next page
