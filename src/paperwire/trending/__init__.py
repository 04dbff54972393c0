"""Trending: signals, the scoring formula, and the ranked list every surface shows.

The library API (the web pages, the JSON API, the digest and the CLI call only these):

- ``trending(db, settings, window=, category=, limit=, offset=, now=)`` -> ``list[TrendingItem]``
- ``refresh(db, settings, now=)`` -> ``RefreshReport`` (incremental, idempotent; run it after each ingest)
- ``scores(db, window, now=)`` -> ``{paper_id: score}`` (search's sort-by-trending)
- ``signal_history(db, paper_id, days=, now=)`` and ``sparkline_svg(history)`` for the paper page

In-app signals (upvotes, saves, views, digest clicks) are given through ``paperwire.trending.reactions``.

The formula is in ``formula.py`` and explained, with numbers, in ``docs/trending.md``.
"""

from __future__ import annotations

from paperwire.trending.explain import describe
from paperwire.trending.formula import WINDOWS, Window
from paperwire.trending.history import DailyHistory, signal_history
from paperwire.trending.ranking import TrendingError, TrendingItem, scores, trending
from paperwire.trending.refresh import RefreshReport, refresh
from paperwire.trending.sparkline import sparkline_svg

__all__ = [
    "WINDOWS",
    "DailyHistory",
    "RefreshReport",
    "TrendingError",
    "TrendingItem",
    "Window",
    "describe",
    "refresh",
    "scores",
    "signal_history",
    "sparkline_svg",
    "trending",
]
