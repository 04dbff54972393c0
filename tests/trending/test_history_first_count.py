"""A repository's first star count is no rise: the life history (picture and words) leaves it out."""

from __future__ import annotations

from datetime import datetime

from paperwire.trending.history import daily_buckets
from paperwire.trending.sparkline import describe_history


def _row(kind: str, value: float, at: datetime) -> dict[str, object]:
    return {"kind": kind, "value": value, "at": at}


def test_first_star_count_is_not_drawn_or_said_but_later_rises_are() -> None:
    rows = [
        _row("github_stars", 2300, datetime(2026, 7, 1, 6)),
        _row("github_stars", 2340, datetime(2026, 7, 2, 6)),
        _row("hf_upvotes", 45, datetime(2026, 7, 1, 6)),
    ]
    history = daily_buckets(rows, last_day=datetime(2026, 7, 2).date(), days=2)
    assert history[0][1] == {"hf_upvotes": 45.0}  # a first HF count is the paper's HF total, told without a sign
    assert history[1][1] == {"github_stars": 40.0}
    text = describe_history(history)
    assert "+40 GitHub stars" in text
    assert "2,300" not in text
    assert "+50" not in text
