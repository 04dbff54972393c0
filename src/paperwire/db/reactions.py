"""In-app signals: upvotes and saves (one per user and paper), page views and digest clicks (one per visitor
or subscriber and day). All are rows of ``signals``, so trending reads them like any other signal.

- An upvote or save is stored with the moment it was given (its age decays in trending); taking it back
  deletes the row. ``uq_signals_reaction`` makes a second one impossible, even from two racing requests.
- A view or click is stored at its day's 00:00, so the observation's unique key deduplicates it per day.
- Every write recounts its row of ``signal_counts`` in the same transaction (``db/signals.py``), so trending
  sees it at the next refresh (the scheduler refreshes every minute).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite

from paperwire.core.signals import APP_SOURCE, CLICK, DIGEST_SOURCE, REACTION_KINDS, SAVE, VIEW
from paperwire.db.engine import Database
from paperwire.db.schema import papers, signals
from paperwire.db.signals import note_deleted, recount_event


def record_reaction(db: Database, *, user_id: str, paper_id: str, kind: str, on: bool, now: datetime) -> int:
    """Give (``on``) or take back an upvote or save; repeating either changes nothing. Returns the count."""
    _check_reaction(kind)
    _check_actor(user_id, "user_id")
    with db.write() as conn:
        _require_paper(conn, paper_id)
        if on:
            if _insert_new(conn, _row(paper_id, kind, APP_SOURCE, user_id, now)):
                recount_event(conn, paper_id, kind, user_id, now)
        else:
            gone = conn.execute(
                delete(signals).where(*_reaction_of(paper_id, kind), signals.c.actor == user_id).returning(signals.c.at)
            ).all()
            note_deleted(conn, len(gone))
            for (at,) in gone:
                recount_event(conn, paper_id, kind, user_id, at)
        return int(conn.execute(select(func.count()).where(*_reaction_of(paper_id, kind))).scalar_one())


def reaction_counts(db: Database, paper_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """``{paper: {"upvote": n, "save": n}}`` for each paper asked about (zeros included)."""
    counts = {paper_id: dict.fromkeys(REACTION_KINDS, 0) for paper_id in paper_ids}
    if not counts:
        return counts
    query = (
        select(signals.c.paper_id, signals.c.kind, func.count())
        .where(_is_reaction(), signals.c.paper_id.in_(list(counts)))
        .group_by(signals.c.paper_id, signals.c.kind)
    )
    with db.read() as conn:
        for paper_id, kind, n in conn.execute(query):
            counts[paper_id][kind] = int(n)
    return counts


def user_reactions(db: Database, user_id: str, paper_ids: Sequence[str]) -> dict[str, set[str]]:
    """``{paper: {"upvote", "save"}}``: what this user gave, for the papers asked about that have any."""
    if not paper_ids:
        return {}
    query = select(signals.c.paper_id, signals.c.kind).where(
        _is_reaction(), signals.c.actor == user_id, signals.c.paper_id.in_(list(paper_ids))
    )
    found: dict[str, set[str]] = {}
    with db.read() as conn:
        for paper_id, kind in conn.execute(query):
            found.setdefault(paper_id, set()).add(kind)
    return found


def user_papers(db: Database, user_id: str, kind: str) -> list[str]:
    """Ids of the papers this user upvoted (or saved), most recent first."""
    _check_reaction(kind)
    query = (
        select(signals.c.paper_id)
        .where(_is_reaction(), signals.c.kind == kind, signals.c.actor == user_id)
        .order_by(signals.c.at.desc(), signals.c.paper_id)
    )
    with db.read() as conn:
        return list(conn.execute(query).scalars())


def saved_papers(db: Database, user_id: str) -> list[dict[str, Any]]:
    """The papers this user saved, most recently saved first, each with ``saved_at``."""
    query = (
        select(papers, signals.c.at.label("saved_at"))
        .join(signals, signals.c.paper_id == papers.c.id)
        .where(_is_reaction(), signals.c.kind == SAVE, signals.c.actor == user_id, papers.c.deleted.is_(False))
        .order_by(signals.c.at.desc(), papers.c.id)
    )
    with db.read() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]


def record_view(db: Database, *, paper_id: str, visitor: str, now: datetime) -> bool:
    """Count a page view once per visitor and day; ``True`` if this one was new."""
    return _record_daily(db, paper_id, VIEW, APP_SOURCE, visitor, now)


def record_click(db: Database, *, paper_id: str, subscriber: str, now: datetime) -> bool:
    """Count a click from a digest email once per subscriber and day; ``True`` if this one was new."""
    return _record_daily(db, paper_id, CLICK, DIGEST_SOURCE, subscriber, now)


def withdraw_click(conn: Connection, *, paper_id: str, subscriber: str, day: datetime) -> None:
    """Take back the digest click signal of ``subscriber`` on ``paper_id`` for ``day`` (00:00): it turned out
    to be a mail scanner's (``paperwire.mail.clicks``). Inside the caller's transaction."""
    gone = conn.execute(
        delete(signals).where(
            signals.c.kind == CLICK,
            signals.c.source == DIGEST_SOURCE,
            signals.c.actor == subscriber,
            signals.c.paper_id == paper_id,
            signals.c.at == day,
        )
    )
    note_deleted(conn, gone.rowcount)
    recount_event(conn, paper_id, CLICK, subscriber, day)  # the kept counts must equal a full recount


def _record_daily(db: Database, paper_id: str, kind: str, source: str, actor: str, now: datetime) -> bool:
    _check_actor(actor, "visitor" if kind == VIEW else "subscriber")
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    with db.write() as conn:
        _require_paper(conn, paper_id)
        new = _insert_new(conn, _row(paper_id, kind, source, actor, day))
        if new:
            recount_event(conn, paper_id, kind, actor, day)
        return new


def _insert_new(conn: Connection, row: dict[str, Any]) -> bool:
    """Insert unless it would break a unique key; ``True`` if the row is new.

    RETURNING tells us, on both dialects; ``insert_ignore``'s rowcount is 0 on PostgreSQL (psycopg reports
    no count for SQLAlchemy's batched executemany), so it cannot.
    """
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(signals).on_conflict_do_nothing().returning(signals.c.id)
    return conn.execute(statement, row).first() is not None


def _row(paper_id: str, kind: str, source: str, actor: str, at: datetime) -> dict[str, Any]:
    return {"paper_id": paper_id, "kind": kind, "value": 1.0, "at": at, "source": source, "actor": actor}


def _is_reaction() -> Any:
    return (signals.c.source == APP_SOURCE) & signals.c.kind.in_(REACTION_KINDS)


def _reaction_of(paper_id: str, kind: str) -> tuple[Any, ...]:
    return (signals.c.paper_id == paper_id, signals.c.kind == kind, signals.c.source == APP_SOURCE)


def _require_paper(conn: Connection, paper_id: str) -> None:
    if conn.execute(select(papers.c.id).where(papers.c.id == paper_id)).first() is None:
        raise LookupError(f"no paper {paper_id!r}")


def _check_reaction(kind: str) -> None:
    if kind not in REACTION_KINDS:
        raise ValueError(f"unknown reaction {kind!r}: use upvote or save")


def _check_actor(actor: str, name: str) -> None:
    # An empty actor would pool every anonymous event into one, and the per-actor cap would then hide them.
    if not actor:
        raise ValueError(f"{name} must not be empty")
