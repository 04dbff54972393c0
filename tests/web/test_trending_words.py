"""What a new user sees on the sample site: lists as of its newest day, whole-number reasons, the numbers
people look for, the sparkline of a paper's life, and the "how ranking works" page."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]


def _ranked_ids(html: str) -> list[str]:
    return re.findall(r'<h2><a href="/papers/([^"]+)">', html)


def test_the_sample_is_alive_as_of_its_newest_day(client: TestClient) -> None:
    pages = {w: client.get("/", params={"window": w}).text for w in ("day", "week", "month")}
    for html in pages.values():
        assert "Trending as of July 1, 2026, the newest day in this library." in html
        assert "no signals yet" not in html
    lists = [tuple(_ranked_ids(html)[:20]) for html in pages.values()]
    assert len(set(lists)) == 3  # three different windows
    api = client.get("/api/trending", params={"window": "week"}).json()
    assert api["as_of"] == "2026-07-01"
    assert api["as_of_note"] == "Trending as of July 1, 2026, the newest day in this library"


def test_cards_explain_in_whole_numbers_and_show_the_numbers(client: TestClient) -> None:
    html = client.get("/", params={"window": "week"}).text
    reasons = re.findall(r'<span class="reason">([^<]+)</span>', html)
    assert reasons
    assert "162 on Hugging Face · +0 GitHub stars" not in html
    # The sample's series are first seen within the week: totals, not "... this week" (nothing before them)
    assert any(re.fullmatch(r"[\d,]+ on Hugging Face( · .+)?", r) for r in reasons), reasons[:3]
    assert not any(re.search(r"on Hugging Face.* this week", r) for r in reasons if "on Hugging Face" in r), reasons[:3]
    for reason in reasons:
        assert not re.search(r"\d\.\d", reason), reason  # no decayed masses in sentences
    assert 'href="/about/trending">how ranking works</a>' in html
    assert "upvotes on Hugging Face" in html
    assert "GitHub star" in html
    item = client.get("/api/trending", params={"window": "week", "limit": 1}).json()["items"][0]
    assert set(item) >= {"why", "points", "counts", "reason"}
    assert abs(sum(item["points"].values()) - item["score"]) < 1e-3


def test_paper_page_numbers_and_sparkline_of_its_life(client: TestClient) -> None:
    html = client.get("/papers/2606.30534").text  # Orca: 162 HF upvotes on 2026-07-01
    assert "162 upvotes on Hugging Face" in html
    assert "5 comments" in html
    assert "Activity since it was listed" in html
    label = re.search(r'<svg [^>]*aria-label="([^"]+)"', html)
    assert label is not None
    assert label.group(1).startswith("Signals, June 30, 2026 to ")
    assert "162 on Hugging Face" in label.group(1)
    assert 'class="peak"' in html
    assert 'class="start"' in html


def test_how_ranking_works_is_the_doc_and_up_to_date(client: TestClient) -> None:
    spec = importlib.util.spec_from_file_location("build_trending_page", ROOT / "scripts" / "build_trending_page.py")
    assert spec is not None
    assert spec.loader is not None
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    assert builder.TARGET.read_text(encoding="utf-8") == builder.render(builder.SOURCE.read_text(encoding="utf-8")), (
        "run scripts/build_trending_page.py after editing docs/trending.md"
    )
    page = client.get("/about/trending")
    assert page.status_code == 200
    assert "score is made" in page.text
    assert "<table>" in page.text
