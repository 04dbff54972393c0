"""What a reader is interested in and how papers are ranked for them.

The public calls (the digest, the For-you page and the personal feed use only these):

- ``readers_for(db, subscribers)`` / ``reader_for(db, subscriber)`` / ``reader_for_user(db, user_id, subscriber)``
  -> ``Reader`` (interests + feedback)
- ``picks_for(db, settings, search, reader, day, limit=None, *, exclude=())`` -> ``ReaderPicks(period, items=
  [Pick(paper_id, reason, why, score, interest, resembles)], notes=[str])``; ``reason`` is one of ``REASONS``
- ``Recommender(db, settings, search, store_profiles=, now=)`` with ``.prepare(readers)`` and ``.picks(reader,
  day, limit, exclude=)``: the same, sharing work across many readers (digest planning)

Feedback is stored by ``paperwire.db.feedback`` (``record`` / ``undo`` / ``for_reader``).
"""

from __future__ import annotations

from paperwire.recommend.periods import Period, daily_period, listing_day_for, period_for, weekly_period
from paperwire.recommend.picks import REASONS, Pick, PrepareReport, ReaderPicks, Recommender, picks_for
from paperwire.recommend.reader import Reader, reader_for, reader_for_user, readers_for

__all__ = [
    "REASONS",
    "Period",
    "Pick",
    "PrepareReport",
    "Reader",
    "ReaderPicks",
    "Recommender",
    "daily_period",
    "listing_day_for",
    "period_for",
    "picks_for",
    "reader_for",
    "reader_for_user",
    "readers_for",
    "weekly_period",
]
