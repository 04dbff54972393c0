"""The site in a real browser (Debian's Chromium driven by Playwright) against a real uvicorn server:
trending → search → paper → sign in by magic link → upvote → save → library; phone-sized pages; screenshots.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from paperwire.db.engine import Database
from testkit.site_helpers import latest_link
from testkit.smtp_sink import free_port

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = Path("/usr/bin/chromium")
# `PAPERWIRE_SAVE_SCREENSHOTS=1 make test` refreshes the README's pictures; otherwise they go to a temp dir.
SCREENSHOTS = (
    Path(__file__).parents[2] / "docs" / "screenshots"
    if os.environ.get("PAPERWIRE_SAVE_SCREENSHOTS")
    else Path(tempfile.mkdtemp(prefix="paperwire-screenshots-"))
)
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (apt-get install chromium)"
)


@pytest.fixture(scope="module")
def server(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    live = uvicorn.Server(config)
    thread = threading.Thread(target=live.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not live.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    live.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield launched
        launched.close()


def test_reader_journey(server: str, browser, site_db: Database) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server + "/")
    assert page.locator("article.card").count() == 20
    page.screenshot(path=str(SCREENSHOTS / "trending.png"))

    page.fill("header input[name=q]", "diffusion models")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=diffusion"))
    assert page.locator("article.card mark").count() > 0
    page.screenshot(path=str(SCREENSHOTS / "search.png"))

    first = page.locator("article.card h2 a").first
    title = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/papers/"))
    assert page.locator("h1").inner_text() == title
    paper_url = page.url

    # Sign in with the emailed link (the dev mailbox stands in for the inbox).
    page.click("text=Sign in")
    page.fill("input[name=email]", "reader@example.org")
    page.click("button:has-text('Email me a sign-in link')")
    assert page.locator("text=Check your inbox").is_visible()
    page.goto(latest_link(site_db, "reader@example.org").replace("http://testserver", server))
    page.click("button:has-text('Sign in')")
    page.wait_for_url(paper_url)  # back where the reader was when they chose to sign in
    assert page.locator("text=My library").is_visible()

    vote = page.locator(".actions button.vote")
    before = int(vote.locator(".count").inner_text())
    vote.click()
    sync_api.expect(vote.locator(".count")).to_have_text(str(before + 1))  # updated in place, no reload
    assert vote.get_attribute("aria-pressed") == "true"
    page.locator(".actions button.save").click()
    sync_api.expect(page.locator(".actions button.save")).to_contain_text("Saved")
    page.screenshot(path=str(SCREENSHOTS / "paper.png"))

    page.goto(server + "/library")
    assert page.locator("article.card h2 a", has_text=title).count() == 1
    page.close()


@pytest.mark.parametrize(
    "path", ["/", "/search?q=graph+neural+networks", "/papers/2606.27377", "/subscribe", "/signin"]
)
def test_phone_sized_pages_do_not_scroll_sideways(server: str, browser, path: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    page.goto(server + path)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
    if path == "/":
        page.screenshot(path=str(SCREENSHOTS / "trending-phone.png"))
    context.close()


def test_no_console_errors_or_blocked_resources(server: str, browser) -> None:  # type: ignore[no-untyped-def]
    """The CSP allows no inline script or style: a page that needed one would log an error here."""
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    page.on(
        "response",
        lambda response: problems.append(f"{response.status}: {response.url}") if response.status >= 400 else None,
    )
    for path in ("/", "/search?q=transformers", "/papers/2606.27377", "/docs"):
        page.goto(server + path)
        page.wait_for_load_state("networkidle")
    assert problems == []
    page.close()


def test_api_docs_render_every_operation_offline(server: str, browser, app) -> None:  # type: ignore[no-untyped-def]
    """/docs (linked from every page's footer) renders the app's OpenAPI 3.1 with the vendored Swagger UI 5:
    every operation of the schema is listed, nothing is loaded from another host, and the CSP blocks nothing."""
    spec = app.openapi()
    assert spec["openapi"].startswith("3.1")
    expected = sorted(
        f"{method.upper()} {path}" for path, item in spec["paths"].items() for method in item if method != "parameters"
    )
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("request", lambda r: None if r.url.startswith(server) else problems.append(f"off-site: {r.url}"))
    page.goto(server + "/docs")
    page.wait_for_selector(".opblock", timeout=30_000)
    assert page.locator("text=Unable to render this definition").count() == 0
    shown = page.eval_on_selector_all(
        ".opblock-summary",
        """nodes => nodes.map(n => n.querySelector('.opblock-summary-method').textContent.trim() + ' ' +
                                 n.querySelector('.opblock-summary-path').getAttribute('data-path'))""",
    )
    assert sorted(shown) == expected
    assert page.locator(".info .title").first.inner_text().startswith("paperwire")
    assert problems == []
    page.close()


@pytest.mark.parametrize("path", ["/papers/2606.27377", "/docs"])  # (the search page focuses its search box)
def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_content(server: str, browser, path: str) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(server + path)
    if path == "/docs":
        page.wait_for_selector(".opblock", timeout=30_000)  # the content a keyboard user skips to
    skip = page.locator("a.skip-link")
    assert skip.bounding_box()["y"] < 0  # out of sight until a keyboard reaches it
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    box = skip.bounding_box()
    assert box["y"] >= 0
    assert box["height"] > 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # the next stop is inside the content, past the header's search box and nav
    assert page.evaluate("document.getElementById('main').contains(document.activeElement)")
    page.close()
