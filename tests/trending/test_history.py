"""A paper's daily signal history and its sparkline."""

from __future__ import annotations

from datetime import date, datetime
from xml.etree import ElementTree

from paperwire import trending
from paperwire.db.engine import Database
from paperwire.trending import reactions
from paperwire.trending.history import daily_buckets
from testkit.trending_data import add_papers, add_signal, paper

SVG = "{http://www.w3.org/2000/svg}"


def test_history_holds_each_days_increments(db: Database) -> None:
    add_papers(db, paper("2603.00001", date(2026, 3, 1)))
    add_signal(db, "2603.00001", "github_stars", 100, datetime(2026, 2, 20), source="github")  # before the span
    add_signal(db, "2603.00001", "github_stars", 130, datetime(2026, 3, 2), source="github")
    add_signal(db, "2603.00001", "github_stars", 125, datetime(2026, 3, 3), source="github")  # a drop
    add_signal(db, "2603.00001", "hf_upvotes", 12, datetime(2026, 3, 3))
    reactions.record_view(db, paper_id="2603.00001", visitor="v1", now=datetime(2026, 3, 3, 8))
    add_signal(db, "2603.00001", "hf_upvotes", 50, datetime(2026, 3, 9))  # after `now`: not shown
    history = trending.signal_history(db, "2603.00001", days=4, now=datetime(2026, 3, 4, 12))
    assert history == [
        (date(2026, 3, 1), {}),
        (date(2026, 3, 2), {"github_stars": 30.0}),
        (date(2026, 3, 3), {"hf_upvotes": 12.0, "view": 1.0}),
        (date(2026, 3, 4), {}),
    ]


def test_sparkline_is_accessible_svg() -> None:
    history = daily_buckets(
        [{"kind": "hf_upvotes", "value": 40.0, "at": datetime(2026, 3, 2)}], last_day=date(2026, 3, 3), days=3
    )
    svg = trending.sparkline_svg(history)
    root = ElementTree.fromstring(str(svg))
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    assert title is not None
    assert title.text == "Signals per day, 2026-03-01 to 2026-03-03: 40 Hugging Face upvotes"
    points = root.find(f"{SVG}polyline").get("points").split()  # type: ignore[union-attr]
    heights = [float(p.split(",")[1]) for p in points]
    assert heights[1] < heights[0] == heights[2]  # the busy day is the peak (SVG y grows downwards)


def test_sparkline_of_a_quiet_paper() -> None:
    svg = trending.sparkline_svg(daily_buckets([], last_day=date(2026, 3, 3), days=2))
    assert "none" in ElementTree.fromstring(str(svg)).find(f"{SVG}title").text  # type: ignore[union-attr, operator]
    assert str(trending.sparkline_svg([])).count("<svg") == 1
