"""Trending: signals, the scoring formula, and the ranked list every surface shows.

The library API (the web pages, the JSON API, the digest and the CLI call only these):

- ``trending(db, settings, window=, category=, limit=, offset=, now=)`` -> ``list[TrendingItem]``
- ``as_of(db, settings, now=)`` -> the newest library day when the lists are computed as of it (else None),
  ``as_of_note(day)`` the sentence every surface shows then
- ``refresh(db, settings, now=)`` -> ``RefreshReport`` (incremental, idempotent; run it after each ingest)
- ``scores(db, window, now=)`` -> ``{paper_id: score}`` (search's sort-by-trending)
- ``record_reaction`` / ``reaction_counts`` / ``user_reactions`` / ``user_papers`` / ``saved_papers``
- ``record_view`` (one per visitor and day), ``record_click`` (one per subscriber and day)
- ``life_history(db, paper_id, now=)`` (announcement to last signal) and ``sparkline_svg(history)`` for the
  paper page; ``signal_history(db, paper_id, days=, now=)`` the last days

The formula is in ``formula.py`` and explained, with numbers, in ``docs/trending.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from paperwire.db import reactions as _reactions
from paperwire.db import signals as _signals
from paperwire.db.engine import Database
from paperwire.trending.explain import describe
from paperwire.trending.formula import SNAPSHOT_KINDS
from paperwire.trending.history import DailyHistory, life_history, signal_history
from paperwire.trending.ranking import TrendingError, TrendingItem, as_of, as_of_note, scores, trending
from paperwire.trending.refresh import RefreshReport, refresh, utcnow
from paperwire.trending.sparkline import sparkline_svg

__all__ = [
    "DailyHistory",
    "RefreshReport",
    "TrendingError",
    "TrendingItem",
    "as_of",
    "as_of_note",
    "describe",
    "life_history",
    "paper_numbers",
    "reaction_counts",
    "record_click",
    "record_reaction",
    "record_view",
    "refresh",
    "saved_papers",
    "scores",
    "signal_history",
    "sparkline_svg",
    "trending",
    "user_papers",
    "user_reactions",
]


def record_reaction(
    db: Database, *, user_id: str, paper_id: str, kind: str, on: bool, now: datetime | None = None
) -> int:
    """Upvote or save (``on=True``) or take it back; one per user and paper. Returns the new count."""
    return _reactions.record_reaction(db, user_id=user_id, paper_id=paper_id, kind=kind, on=on, now=now or utcnow())


def record_view(db: Database, *, paper_id: str, visitor: str, now: datetime | None = None) -> bool:
    """A page view, counted once per visitor and day; ``True`` when this one counted."""
    return _reactions.record_view(db, paper_id=paper_id, visitor=visitor, now=now or utcnow())


def record_click(db: Database, *, paper_id: str, subscriber: str, now: datetime | None = None) -> bool:
    """A click from a digest email, counted once per subscriber and day; ``True`` when this one counted."""
    return _reactions.record_click(db, paper_id=paper_id, subscriber=subscriber, now=now or utcnow())


def reaction_counts(db: Database, paper_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    return _reactions.reaction_counts(db, paper_ids)


def paper_numbers(db: Database, paper_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """The numbers people look for, per paper: its Hugging Face upvotes and comments and its code's GitHub
    stars, each the highest count observed (a paper never seen there has no entry for it)."""
    with db.read() as conn:
        return _signals.latest_counts(conn, list(paper_ids), SNAPSHOT_KINDS)


def user_reactions(db: Database, user_id: str, paper_ids: Sequence[str]) -> dict[str, set[str]]:
    return _reactions.user_reactions(db, user_id, paper_ids)


def user_papers(db: Database, user_id: str, kind: str) -> list[str]:
    return _reactions.user_papers(db, user_id, kind)


def saved_papers(db: Database, user_id: str) -> list[dict[str, Any]]:
    return _reactions.saved_papers(db, user_id)
