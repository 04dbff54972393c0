"""Job leases: two schedulers (two machines, or a cron job next to ``paperwire run``) never run the same
job at the same time. A crashed holder's lease simply runs out."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from paperwire.db.engine import Database
from paperwire.db.schema import job_leases
from paperwire.db.upsert import insert_ignore


def acquire(db: Database, name: str, *, owner: str, seconds: float, now: datetime) -> bool:
    with db.write() as conn:
        insert_ignore(conn, job_leases, [{"name": name}])
        result = conn.execute(
            update(job_leases)
            .where(
                job_leases.c.name == name,
                or_(
                    job_leases.c.lease_until.is_(None),
                    job_leases.c.lease_until < now,
                    job_leases.c.owner == owner,
                ),
            )
            .values(owner=owner, lease_until=now + timedelta(seconds=seconds), last_started_at=now)
        )
        return result.rowcount == 1


def finish(db: Database, name: str, *, owner: str, status: str, error: str | None, now: datetime) -> None:
    with db.write() as conn:
        conn.execute(
            update(job_leases)
            .where(job_leases.c.name == name, job_leases.c.owner == owner)
            .values(lease_until=None, last_finished_at=now, last_status=status, last_error=error)
        )


def last_finished(db: Database, name: str) -> datetime | None:
    with db.read() as conn:
        value = conn.execute(select(job_leases.c.last_finished_at).where(job_leases.c.name == name)).scalar()
    return value if isinstance(value, datetime) else None


def all_jobs(db: Database) -> list[dict[str, Any]]:
    with db.read() as conn:
        return [dict(row) for row in conn.execute(select(job_leases).order_by(job_leases.c.name)).mappings()]
