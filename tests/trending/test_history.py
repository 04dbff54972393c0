"""A paper's daily signal history and its sparkline."""

from __future__ import annotations

from datetime import date, datetime, timedelta
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
        [
            {"kind": "hf_upvotes", "value": 40.0, "at": datetime(2026, 3, 2)},
            {"kind": "view", "value": 1.0, "at": datetime(2026, 3, 3)},
        ],
        last_day=date(2026, 3, 3),
        days=3,
    )
    svg = trending.sparkline_svg(history)
    root = ElementTree.fromstring(str(svg))
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    assert title is not None
    assert title.text == (
        "Signals, March 1, 2026 to March 3, 2026: 1 view · 40 on Hugging Face. Busiest day: March 2, 2026 (40)."
    )
    assert root.get("aria-label") == title.text
    lines = {line.get("class"): line for line in root.findall(f"{SVG}polyline")}
    assert set(lines) == {"kind-hf_upvotes", "kind-view"}  # one line per signal kind
    heights = [float(p.split(",")[1]) for p in lines["kind-hf_upvotes"].get("points", "").split()]
    assert heights[1] < heights[0] == heights[2]  # the busy day is the peak (SVG y grows downwards)
    texts = {t.get("class"): t.text for t in root.findall(f"{SVG}text")}
    assert texts == {"start": "Mar 1, 2026", "end": "Mar 3, 2026", "peak": "busiest Mar 2, 2026: 40"}


def test_sparkline_of_a_quiet_paper() -> None:
    svg = trending.sparkline_svg(daily_buckets([], last_day=date(2026, 3, 3), days=2))
    assert "none" in ElementTree.fromstring(str(svg)).find(f"{SVG}title").text  # type: ignore[union-attr, operator]
    assert str(trending.sparkline_svg([])).count("<svg") == 1


def test_life_history_runs_from_listing_to_the_last_signal(db: Database) -> None:
    add_papers(db, paper("2606.00001", date(2026, 6, 26)))
    add_signal(db, "2606.00001", "hf_upvotes", 45, datetime(2026, 6, 26))
    add_signal(db, "2606.00001", "hf_upvotes", 60, datetime(2026, 6, 29))
    history = trending.life_history(db, "2606.00001", now=datetime(2026, 12, 2))
    assert [day for day, _ in history] == [date(2026, 6, 26) + timedelta(n) for n in range(4)]
    assert history[0][1] == {"hf_upvotes": 45.0}
    assert history[-1][1] == {"hf_upvotes": 15.0}
    young = trending.life_history(db, "2606.00001", now=datetime(2026, 7, 3, 9))  # young: up to now
    assert young[-1][0] == date(2026, 7, 3)
    assert trending.life_history(db, "2699.99999") == []
