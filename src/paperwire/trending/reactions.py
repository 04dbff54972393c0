"""In-app signals as the web app and the mail links give them: upvotes and saves, page views, digest clicks.

Storage rules (one per user and paper; one view per visitor and day; one click per subscriber and day) are
in ``paperwire.db.reactions``; this module adds the clock. An upvote or save is stamped to the minute, the
resolution the trending refresh works at, so a refresh in the same minute already counts it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from paperwire.core.clock import to_minute, utcnow
from paperwire.db import reactions as _reactions
from paperwire.db.engine import Database


def record_reaction(
    db: Database, *, user_id: str, paper_id: str, kind: str, on: bool, now: datetime | None = None
) -> int:
    """Upvote or save (``on=True``) or take it back; one per user and paper. Returns the new count."""
    at = now or to_minute(utcnow())
    return _reactions.record_reaction(db, user_id=user_id, paper_id=paper_id, kind=kind, on=on, now=at)


def record_view(db: Database, *, paper_id: str, visitor: str, now: datetime | None = None) -> bool:
    """A page view, counted once per visitor and day; ``True`` when this one counted."""
    return _reactions.record_view(db, paper_id=paper_id, visitor=visitor, now=now or utcnow())


def record_click(db: Database, *, paper_id: str, subscriber: str, now: datetime | None = None) -> bool:
    """A click from a digest email, counted once per subscriber and day; ``True`` when this one counted."""
    return _reactions.record_click(db, paper_id=paper_id, subscriber=subscriber, now=now or utcnow())


def reaction_counts(db: Database, paper_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    return _reactions.reaction_counts(db, paper_ids)


def user_reactions(db: Database, user_id: str, paper_ids: Sequence[str]) -> dict[str, set[str]]:
    return _reactions.user_reactions(db, user_id, paper_ids)


def user_papers(db: Database, user_id: str, kind: str) -> list[str]:
    return _reactions.user_papers(db, user_id, kind)


def saved_papers(db: Database, user_id: str) -> list[dict[str, Any]]:
    return _reactions.saved_papers(db, user_id)
