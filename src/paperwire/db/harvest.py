"""Harvest state: where each source stopped, so a rerun (or a run after a crash) resumes there."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select

from paperwire.db.engine import Database
from paperwire.db.rows import HarvestState as HarvestState  # defined without SQLAlchemy, for the light read path
from paperwire.db.schema import harvest_state
from paperwire.db.upsert import insert_ignore

RUNNING, COMPLETE, FAILED = "running", "complete", "failed"


def get_state(db: Database, source: str) -> HarvestState | None:
    with db.read() as conn:
        row = conn.execute(select(harvest_state).where(harvest_state.c.source == source)).mappings().first()
    return HarvestState(**row) if row else None


def all_states(db: Database) -> list[HarvestState]:
    with db.read() as conn:
        rows = conn.execute(select(harvest_state).order_by(harvest_state.c.source)).mappings().all()
    return [HarvestState(**row) for row in rows]


def start(conn: Connection, source: str, *, now: datetime, restart: bool = False) -> None:
    """Mark a harvest as running; a fresh one (or ``restart``) starts from zero pages."""
    if restart:
        conn.execute(delete(harvest_state).where(harvest_state.c.source == source))
    insert_ignore(
        conn,
        harvest_state,
        [
            {
                "source": source,
                "status": RUNNING,
                "resume": None,
                "last_datestamp": None,
                "pages_done": 0,
                "records_done": 0,
                "error": None,
                "started_at": now,
                "updated_at": now,
            }
        ],
    )
    conn.execute(
        harvest_state.update()
        .where(harvest_state.c.source == source)
        .values(status=RUNNING, error=None, updated_at=now)
    )


def page_done(
    conn: Connection,
    source: str,
    *,
    resume: dict[str, Any] | None,
    records: int,
    last_datestamp: str | None,
    now: datetime,
) -> None:
    """Record a committed page in the same transaction as its records (so the two never disagree)."""
    current = conn.execute(
        select(harvest_state.c.pages_done, harvest_state.c.records_done, harvest_state.c.last_datestamp).where(
            harvest_state.c.source == source
        )
    ).one()
    newest = max(filter(None, (current.last_datestamp, last_datestamp)), default=None)
    conn.execute(
        harvest_state.update()
        .where(harvest_state.c.source == source)
        .values(
            resume=resume,
            status=RUNNING if resume else COMPLETE,
            pages_done=current.pages_done + 1,
            records_done=current.records_done + records,
            last_datestamp=newest,
            updated_at=now,
        )
    )


def fail(db: Database, source: str, error: str, *, now: datetime) -> None:
    with db.write() as conn:
        conn.execute(
            harvest_state.update()
            .where(harvest_state.c.source == source)
            .values(status=FAILED, error=error, updated_at=now)
        )
