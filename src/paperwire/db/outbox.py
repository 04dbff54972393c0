"""The mail outbox: planned messages, claimed by senders under a lease, marked sent exactly once.

Row life: ``pending`` → (claimed: ``leased``, with an owner and a lease deadline) → ``sent`` | ``retry``
(SMTP 4xx; due again at ``next_attempt_at``) | ``failed`` (SMTP 5xx, or out of attempts) | ``cancelled``
(the subscriber left before it went out). A ``leased`` row whose lease ran out belongs to nobody: the next
claim takes it (its sender died). ``mark_sent`` only succeeds for the lease holder, so a slow sender whose
lease was taken over cannot send a second copy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, or_, select, update

from paperwire.db.engine import Database
from paperwire.db.schema import deliveries, outbox
from paperwire.db.upsert import insert_ignore

PENDING, LEASED, SENT, RETRY, FAILED, CANCELLED = "pending", "leased", "sent", "retry", "failed", "cancelled"


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    dedup_key: str
    kind: str
    subscriber_id: int
    period: str
    payload: dict[str, Any]
    status: str
    attempts: int
    lease_owner: str | None


@dataclass(frozen=True, slots=True)
class PlannedMessage:
    dedup_key: str
    kind: str
    subscriber_id: int
    period: str
    payload: dict[str, Any]
    paper_ids: tuple[str, ...] = ()


def plan(conn: Connection, messages: Sequence[PlannedMessage], *, now: datetime) -> int:
    """Insert planned messages (a key already planned is skipped) and record their papers as delivered
    to the subscriber, so no later digest repeats them. Returns how many rows are new."""
    rows = [
        {
            "dedup_key": m.dedup_key,
            "kind": m.kind,
            "subscriber_id": m.subscriber_id,
            "period": m.period,
            "payload": m.payload,
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for m in messages
    ]
    added = insert_ignore(conn, outbox, rows)
    with_papers = [m for m in messages if m.paper_ids]
    if with_papers:
        ids: dict[str, int] = dict(
            conn.execute(
                select(outbox.c.dedup_key, outbox.c.id).where(
                    outbox.c.dedup_key.in_([m.dedup_key for m in with_papers])
                )
            ).all()
        )
        insert_ignore(
            conn,
            deliveries,
            [
                {"subscriber_id": m.subscriber_id, "paper_id": paper_id, "outbox_id": ids[m.dedup_key]}
                for m in with_papers
                for paper_id in m.paper_ids
            ],
        )
    return added


def planned_keys(db: Database, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` are already in the outbox (planning skips them without composing anything)."""
    found: set[str] = set()
    with db.read() as conn:
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            found.update(conn.execute(select(outbox.c.dedup_key).where(outbox.c.dedup_key.in_(chunk))).scalars())
    return found


def _claimable(now: datetime, limit: int) -> list[Any]:
    """The queries that find claimable rows, most overdue first: expired leases (their senders died), then
    due retries, then pending rows. Each reads the ``(status, next_attempt_at)`` index in order and stops at
    ``limit``. (One query with ``OR`` and ``ORDER BY id`` made both databases fetch and sort every pending
    row on every claim: quadratic in the size of a send.)"""
    by_status = [
        select(outbox.c.id)
        .where(outbox.c.status == status, outbox.c.next_attempt_at <= now)
        .order_by(outbox.c.next_attempt_at)
        .limit(limit)
        for status in (RETRY, PENDING)
    ]
    expired = select(outbox.c.id).where(outbox.c.status == LEASED, outbox.c.lease_until < now).limit(limit)
    return [expired, *by_status]


def claim(db: Database, *, owner: str, limit: int, lease_seconds: float, now: datetime) -> list[OutboxRow]:
    """Take up to ``limit`` due rows for ``owner`` until ``now + lease_seconds``.

    PostgreSQL: ``FOR UPDATE SKIP LOCKED`` lets many senders claim at once without waiting on each other;
    SQLite has one writer at a time, so the write transaction alone makes the claim exclusive.
    """
    lease_until = now + timedelta(seconds=lease_seconds)
    with db.write() as conn:
        ids: list[int] = []
        for query in _claimable(now, limit):
            if len(ids) >= limit:
                break
            query = query.limit(limit - len(ids))
            if not db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            ids += conn.execute(query).scalars()
        if not ids:
            return []
        conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(ids))
            .values(status=LEASED, lease_owner=owner, lease_until=lease_until, attempts=outbox.c.attempts + 1)
        )
        rows = conn.execute(select(outbox).where(outbox.c.id.in_(ids)).order_by(outbox.c.id)).mappings().all()
    return [OutboxRow(**{name: row[name] for name in OutboxRow.__dataclass_fields__}) for row in rows]


# Built once: this runs for every message, and building the statement cost as much as executing it.
_MARK_SENT = (
    update(outbox)
    .where(
        outbox.c.id == bindparam("row_id"),
        outbox.c.status == LEASED,
        outbox.c.lease_owner == bindparam("owner"),
        outbox.c.lease_until >= bindparam("now"),
    )
    .values(status=SENT, sent_at=bindparam("sent_at"), message_id=bindparam("message_id_"), lease_until=None)
)


def mark_sent(
    db: Database,
    row_id: int,
    *,
    owner: str,
    message_id: str,
    now: datetime,
    before_commit: Callable[[], None] | None = None,
    after_commit: Callable[[], None] | None = None,
) -> bool:
    """Record "sent" — only while ``owner`` still holds the lease; False means: do not send.

    ``before_commit`` runs once the row is ours but before it is committed, ``after_commit`` right after the
    commit, before the connection is even handed back: the sender uses them to queue the message's final dot
    (held back by the kernel) and to release it, so as little as possible happens between the two.
    """
    with db.write_connection() as conn:
        transaction = conn.begin()
        result = conn.execute(
            _MARK_SENT, {"row_id": row_id, "owner": owner, "now": now, "sent_at": now, "message_id_": message_id}
        )
        if result.rowcount != 1:
            transaction.rollback()
            return False
        try:
            if before_commit:
                before_commit()
        except BaseException:
            transaction.rollback()
            raise
        transaction.commit()
        if after_commit:
            after_commit()
        return True


def mark_retry(db: Database, row_id: int, *, owner: str, error: str, next_attempt_at: datetime, give_up: bool) -> None:
    """After a temporary failure: due again later, or ``failed`` when out of attempts."""
    _finish(
        db,
        row_id,
        owner,
        status=FAILED if give_up else RETRY,
        last_error=error,
        next_attempt_at=next_attempt_at,
    )


def mark_failed(db: Database, row_id: int, *, owner: str, error: str, cancelled: bool = False) -> None:
    _finish(db, row_id, owner, status=CANCELLED if cancelled else FAILED, last_error=error)


def _finish(db: Database, row_id: int, owner: str, **values: Any) -> None:
    # Only the sender that holds (or last held) the row may settle it: a slow sender whose lease was
    # taken over must not overwrite the new holder's state.
    with db.write() as conn:
        conn.execute(
            update(outbox)
            .where(outbox.c.id == row_id, outbox.c.lease_owner == owner)
            .values(**values, lease_until=None)
        )


def release(db: Database, row_ids: Sequence[int], *, owner: str) -> None:
    """Give unsent claimed rows back (a sender stopping early), so others need not wait out the lease."""
    if not row_ids:
        return
    with db.write() as conn:
        conn.execute(
            update(outbox)
            .where(outbox.c.id.in_(list(row_ids)), outbox.c.status == LEASED, outbox.c.lease_owner == owner)
            .values(status=PENDING, lease_owner=None, lease_until=None, attempts=outbox.c.attempts - 1)
        )


def counts(db: Database) -> dict[str, int]:
    query = select(outbox.c.status, func.count()).group_by(outbox.c.status)
    with db.read() as conn:
        return {str(status): int(n) for status, n in conn.execute(query)}


def outstanding(db: Database, *, now: datetime) -> int:
    """Rows a sender must still handle now: pending, leased (alive or not), or retries already due.
    Retries scheduled for later are the scheduler's, not a reason for ``--until-empty`` to wait."""
    query = (
        select(func.count())
        .select_from(outbox)
        .where(
            or_(
                outbox.c.status.in_((PENDING, LEASED)),
                and_(outbox.c.status == RETRY, outbox.c.next_attempt_at <= now),
            )
        )
    )
    with db.read() as conn:
        return int(conn.execute(query).scalar_one())


def next_due_at(db: Database) -> datetime | None:
    """When the next outstanding row becomes claimable (retry time or lease end)."""
    query = select(
        func.min(
            # leased rows are due when their lease ends, the others at next_attempt_at
            func.coalesce(outbox.c.lease_until, outbox.c.next_attempt_at)
        )
    ).where(outbox.c.status.in_((PENDING, RETRY, LEASED)))
    with db.read() as conn:
        value = conn.execute(query).scalar()
    return value if isinstance(value, datetime) else None


def sent_per_subscriber(db: Database, *, kind: str = "digest") -> dict[int, int]:
    query = (
        select(outbox.c.subscriber_id, func.count())
        .where(outbox.c.kind == kind, outbox.c.status == SENT)
        .group_by(outbox.c.subscriber_id)
    )
    with db.read() as conn:
        return {int(s): int(n) for s, n in conn.execute(query)}
