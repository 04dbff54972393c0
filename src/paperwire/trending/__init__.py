"""Trending: signals, the scoring formula, and the ranked list every surface shows.

The library API (the web pages, the JSON API, the digest and the CLI call only these):

- ``trending(db, settings, window=, category=, limit=, offset=, now=)`` -> ``list[TrendingItem]``
- ``refresh(db, settings, now=)`` -> ``RefreshReport`` (incremental, idempotent; run it after each ingest)
- ``scores(db, window, now=)`` -> ``{paper_id: score}`` (search's sort-by-trending)
- ``as_of(db, settings, now=)`` -> the newest library day when the lists are computed as of it (else None),
  ``as_of_note(day)`` the sentence every surface then shows
- ``paper_numbers(db, ids)`` -> each paper's Hugging Face upvotes and comments and GitHub stars
- ``life_history(db, paper_id, now=)`` (announcement to last signal) and ``sparkline_svg(history)`` for the
  paper page; ``signal_history(db, paper_id, days=, now=)`` the last days

In-app signals (upvotes, saves, views, digest clicks) are given through ``paperwire.trending.reactions``.

The formula is in ``formula.py`` and explained, with numbers, in ``docs/trending.md``.
"""

from __future__ import annotations

from collections.abc import Sequence

from paperwire.core.signals import SNAPSHOT_KINDS
from paperwire.db import signals as _signals
from paperwire.db.engine import Database
from paperwire.trending.explain import describe, told
from paperwire.trending.formula import WINDOWS, Window
from paperwire.trending.history import DailyHistory, life_history, signal_history
from paperwire.trending.ranking import TrendingError, TrendingItem, as_of, as_of_note, scores, trending
from paperwire.trending.refresh import RefreshReport, refresh
from paperwire.trending.sparkline import sparkline_svg

__all__ = [
    "WINDOWS",
    "DailyHistory",
    "RefreshReport",
    "TrendingError",
    "TrendingItem",
    "Window",
    "as_of",
    "as_of_note",
    "describe",
    "life_history",
    "paper_numbers",
    "refresh",
    "scores",
    "signal_history",
    "sparkline_svg",
    "told",
    "trending",
]


def paper_numbers(db: Database, paper_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """The numbers people look for, per paper: its Hugging Face upvotes and comments and its code's GitHub
    stars, each the highest count observed (a paper never seen there has no entry for it)."""
    with db.read() as conn:
        return _signals.latest_counts(conn, list(paper_ids), SNAPSHOT_KINDS)
