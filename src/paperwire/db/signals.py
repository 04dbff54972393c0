"""Signals: time-stamped observations about papers (upvotes, stars, views, ...)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, func, select

from paperwire.core.records import Signal
from paperwire.db.engine import Database
from paperwire.db.schema import signals
from paperwire.db.upsert import insert_ignore


def add_signals(conn: Connection, observations: Sequence[tuple[str, Signal]]) -> int:
    """Store ``(paper_id, signal)`` pairs; the same observation twice is stored once. Returns new rows."""
    rows = [
        {
            "paper_id": paper_id,
            "kind": s.kind,
            "value": s.value,
            "at": s.at,
            "source": s.source,
            "actor": s.actor,
        }
        for paper_id, s in observations
    ]
    return insert_ignore(conn, signals, rows)


def count_signals(db: Database, *, kind: str | None = None) -> int:
    query = select(func.count()).select_from(signals)
    if kind:
        query = query.where(signals.c.kind == kind)
    with db.read() as conn:
        return int(conn.execute(query).scalar_one())


def signals_for(db: Database, paper_id: str) -> list[dict[str, object]]:
    query = select(signals).where(signals.c.paper_id == paper_id).order_by(signals.c.at, signals.c.kind)
    with db.read() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]
