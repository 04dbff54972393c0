"""Subscribers: double opt-in state, interests, delivery preferences, suppression, bounces, feedback."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from paperwire.db.clicks import clicks_for_export
from paperwire.db.engine import Database

# Defined without SQLAlchemy (for the light read path, db/lite.py); callers keep importing them from here.
from paperwire.db.rows import CONFIRMED as CONFIRMED
from paperwire.db.rows import PENDING as PENDING
from paperwire.db.rows import UNSUBSCRIBED as UNSUBSCRIBED
from paperwire.db.rows import Subscriber as Subscriber
from paperwire.db.schema import bounces, deliveries, feedback, mail_clicks, outbox, personal_feeds, subscribers
from paperwire.db.upsert import insert_ignore
from paperwire.db.users import export_account, find_user


@dataclass(slots=True)
class Preferences:
    """What a subscriber chose. Defaults give a useful daily digest at 7:00 UTC."""

    topics: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    frequency: str = "daily"
    weekday: int = 0
    hour: int = 7
    timezone: str = "UTC"
    digest_size: int = 10
    liked: list[str] = field(default_factory=list)  # ids of stored papers the reader likes (seed the profile)
    author_name: str | None = None  # the reader's own name as an author: their papers seed the profile


def _row_to_subscriber(row: Any) -> Subscriber:
    return Subscriber(**{name: row[name] for name in Subscriber.__dataclass_fields__})


def get(db: Database, subscriber_id: int) -> Subscriber | None:
    with db.read() as conn:
        row = conn.execute(select(subscribers).where(subscribers.c.id == subscriber_id)).mappings().first()
    return _row_to_subscriber(row) if row else None


def get_many(db: Database, subscriber_ids: Sequence[int]) -> dict[int, Subscriber]:
    found: dict[int, Subscriber] = {}
    with db.read() as conn:
        for start in range(0, len(subscriber_ids), 500):
            chunk = list(subscriber_ids[start : start + 500])
            for row in conn.execute(select(subscribers).where(subscribers.c.id.in_(chunk))).mappings():
                found[int(row["id"])] = _row_to_subscriber(row)
    return found


def find(db: Database, email: str) -> Subscriber | None:
    with db.read() as conn:
        row = conn.execute(select(subscribers).where(subscribers.c.email == email)).mappings().first()
    return _row_to_subscriber(row) if row else None


def all_subscribers(db: Database, *, status: str | None = None) -> list[Subscriber]:
    query = select(subscribers).order_by(subscribers.c.id)
    if status:
        query = query.where(subscribers.c.status == status)
    with db.read() as conn:
        return [_row_to_subscriber(row) for row in conn.execute(query).mappings()]


def receiving(db: Database) -> list[Subscriber]:
    """Confirmed, not paused, not suppressed: the ones a digest plan considers."""
    query = (
        select(subscribers)
        .where(
            subscribers.c.status == CONFIRMED,
            subscribers.c.paused.is_(False),
            subscribers.c.suppressed_at.is_(None),
        )
        .order_by(subscribers.c.id)
    )
    with db.read() as conn:
        return [_row_to_subscriber(row) for row in conn.execute(query).mappings()]


def _preference_values(prefs: Preferences) -> dict[str, Any]:
    return {
        "topics": prefs.topics,
        "categories": prefs.categories,
        "authors": prefs.authors,
        "frequency": prefs.frequency,
        "weekday": prefs.weekday,
        "hour": prefs.hour,
        "timezone": prefs.timezone,
        "digest_size": prefs.digest_size,
        "liked": prefs.liked,
        "author_name": prefs.author_name,
    }


def _new_row(email: str, prefs: Preferences, status: str, now: datetime) -> dict[str, Any]:
    return {
        "email": email,
        "status": status,
        **_preference_values(prefs),
        "paused": False,
        "hard_bounces": 0,
        "confirm_sent_count": 0,
        "created_at": now,
        "confirmed_at": now if status == CONFIRMED else None,
    }


def subscribe(db: Database, email: str, prefs: Preferences, *, now: datetime) -> Subscriber:
    """Ask to subscribe. New and unsubscribed addresses become pending (they must confirm again);
    a pending or confirmed subscriber keeps its state (the caller answers the same either way)."""
    with db.write() as conn:
        insert_ignore(conn, subscribers, [_new_row(email, prefs, PENDING, now)])
        conn.execute(
            update(subscribers)
            .where(subscribers.c.email == email, subscribers.c.status == UNSUBSCRIBED)
            .values(status=PENDING, unsubscribed_at=None, **_preference_values(prefs))
        )
        row = conn.execute(select(subscribers).where(subscribers.c.email == email)).mappings().one()
    return _row_to_subscriber(row)


def add(db: Database, email: str, prefs: Preferences, *, confirmed: bool, now: datetime) -> tuple[Subscriber, bool]:
    """Admin add/import: create or update an address; returns (subscriber, created)."""
    status = CONFIRMED if confirmed else PENDING
    with db.write() as conn:
        created = insert_ignore(conn, subscribers, [_new_row(email, prefs, status, now)]) == 1
        if not created:
            values: dict[str, Any] = dict(_preference_values(prefs))
            if confirmed:
                values.update(status=CONFIRMED, confirmed_at=now, unsubscribed_at=None)
            conn.execute(update(subscribers).where(subscribers.c.email == email).values(**values))
        row = conn.execute(select(subscribers).where(subscribers.c.email == email)).mappings().one()
    return _row_to_subscriber(row), created


def allow_confirmation_mail(db: Database, subscriber_id: int, *, per_day: int, now: datetime) -> bool:
    """Count a confirmation mail against the address's daily allowance; False when it is used up."""
    with db.write() as conn:
        row = conn.execute(
            select(subscribers.c.confirm_sent_at, subscribers.c.confirm_sent_count).where(
                subscribers.c.id == subscriber_id
            )
        ).one()
        same_day = row.confirm_sent_at is not None and now - row.confirm_sent_at < timedelta(days=1)
        count = row.confirm_sent_count if same_day else 0
        if count >= per_day:
            return False
        conn.execute(
            update(subscribers)
            .where(subscribers.c.id == subscriber_id)
            .values(confirm_sent_at=now if not same_day else row.confirm_sent_at, confirm_sent_count=count + 1)
        )
        return True


def confirm(db: Database, subscriber_id: int, *, now: datetime) -> Subscriber | None:
    with db.write() as conn:
        conn.execute(
            update(subscribers)
            .where(subscribers.c.id == subscriber_id, subscribers.c.status == PENDING)
            .values(status=CONFIRMED, confirmed_at=now)
        )
        row = conn.execute(select(subscribers).where(subscribers.c.id == subscriber_id)).mappings().first()
    return _row_to_subscriber(row) if row else None


def unsubscribe(db: Database, subscriber_id: int, *, now: datetime) -> bool:
    """Idempotent; True if the subscriber exists."""
    with db.write() as conn:
        conn.execute(
            update(subscribers)
            .where(subscribers.c.id == subscriber_id, subscribers.c.status != UNSUBSCRIBED)
            .values(status=UNSUBSCRIBED, unsubscribed_at=now)
        )
        # Digests already planned but not yet sent must not go out after an unsubscribe.
        conn.execute(
            update(outbox)
            .where(outbox.c.subscriber_id == subscriber_id, outbox.c.status.in_(("pending", "retry")))
            .values(status="cancelled", last_error="unsubscribed")
        )
        return conn.execute(select(subscribers.c.id).where(subscribers.c.id == subscriber_id)).first() is not None


def update_preferences(db: Database, subscriber_id: int, prefs: Preferences, *, paused: bool) -> None:
    with db.write() as conn:
        conn.execute(
            update(subscribers)
            .where(subscribers.c.id == subscriber_id)
            .values(**_preference_values(prefs), paused=paused)
        )


def remove(db: Database, subscriber_id: int) -> bool:
    """Delete a subscriber and everything recorded about them (outbox, deliveries, feedback)."""
    with db.write() as conn:
        email = conn.execute(select(subscribers.c.email).where(subscribers.c.id == subscriber_id)).scalar()
        if email is None:
            return False
        for table in (mail_clicks, personal_feeds, outbox, deliveries, feedback):
            conn.execute(delete(table).where(table.c.subscriber_id == subscriber_id))
        conn.execute(delete(bounces).where(bounces.c.email == email))
        conn.execute(delete(subscribers).where(subscribers.c.id == subscriber_id))
        return True


def export(db: Database, subscriber_id: int) -> dict[str, Any] | None:
    """Everything paperwire stores about a subscriber (the "export my data" button): the subscription with its
    liked papers, what it received, its feedback (more / fewer like this, saves), its digest clicks (scanners'
    marked), mails, bounces, and the site account with the same address (votes and saves)."""
    subscriber = get(db, subscriber_id)
    if subscriber is None:
        return None
    with db.read() as conn:
        received = (
            conn.execute(
                select(deliveries.c.paper_id)
                .where(deliveries.c.subscriber_id == subscriber_id)
                .order_by(deliveries.c.paper_id)
            )
            .scalars()
            .all()
        )
        less = (
            conn.execute(
                select(feedback.c.paper_id, feedback.c.kind, feedback.c.at).where(
                    feedback.c.subscriber_id == subscriber_id
                )
            )
            .mappings()
            .all()
        )
        mails = (
            conn.execute(
                select(outbox.c.kind, outbox.c.period, outbox.c.status, outbox.c.sent_at)
                .where(outbox.c.subscriber_id == subscriber_id)
                .order_by(outbox.c.id)
            )
            .mappings()
            .all()
        )
        bounced = (
            conn.execute(
                select(bounces.c.kind, bounces.c.reason, bounces.c.at).where(bounces.c.email == subscriber.email)
            )
            .mappings()
            .all()
        )
        clicked = clicks_for_export(conn, subscriber_id)
    user = find_user(db, subscriber.email)
    return {
        "subscriber": subscriber.as_dict(),
        "liked_papers": list(subscriber.liked),
        "papers_received": list(received),
        "feedback": [dict(f) for f in less],
        "digest_clicks": clicked,
        "site_account": export_account(db, user.id) if user else None,
        "mails": [dict(m) for m in mails],
        "bounces": [dict(b) for b in bounced],
    }


# --- deliveries and feedback (personalisation) -----------------------------------------------------------


def received_papers(conn: Connection, subscriber_ids: Sequence[int], paper_ids: Iterable[str]) -> set[tuple[int, str]]:
    """Which of ``paper_ids`` each subscriber already got: ``{(subscriber_id, paper_id)}``."""
    papers_list = list(set(paper_ids))
    if not papers_list or not subscriber_ids:
        return set()
    found: set[tuple[int, str]] = set()
    for start in range(0, len(papers_list), 500):
        chunk = papers_list[start : start + 500]
        query = select(deliveries.c.subscriber_id, deliveries.c.paper_id).where(deliveries.c.paper_id.in_(chunk))
        if len(subscriber_ids) <= 500:
            query = query.where(deliveries.c.subscriber_id.in_(list(subscriber_ids)))
        found.update((int(row.subscriber_id), str(row.paper_id)) for row in conn.execute(query))
    return found


def fewer_like(db: Database, subscriber_ids: Sequence[int] | None = None) -> dict[int, set[str]]:
    """Papers each subscriber asked to see fewer of."""
    query = select(feedback.c.subscriber_id, feedback.c.paper_id).where(feedback.c.kind == "fewer")
    if subscriber_ids is not None and len(subscriber_ids) <= 500:
        query = query.where(feedback.c.subscriber_id.in_(list(subscriber_ids)))
    result: dict[int, set[str]] = {}
    with db.read() as conn:
        for row in conn.execute(query):
            result.setdefault(int(row.subscriber_id), set()).add(str(row.paper_id))
    return result


def record_feedback(db: Database, subscriber_id: int, paper_id: str, *, kind: str, now: datetime) -> bool:
    with db.write() as conn:
        row = {"subscriber_id": subscriber_id, "paper_id": paper_id, "kind": kind, "at": now}
        return insert_ignore(conn, feedback, [row]) == 1


# --- suppression and bounces -----------------------------------------------------------------------------


def suppress(db: Database, email: str, reason: str, *, now: datetime) -> bool:
    with db.write() as conn:
        return _suppress(conn, email, reason, now)


def _suppress(conn: Connection, email: str, reason: str, now: datetime) -> bool:
    result = conn.execute(
        update(subscribers)
        .where(subscribers.c.email == email, subscribers.c.suppressed_at.is_(None))
        .values(suppressed_at=now, suppressed_reason=reason)
    )
    return result.rowcount > 0


def unsuppress(db: Database, email: str) -> bool:
    with db.write() as conn:
        result = conn.execute(
            update(subscribers)
            .where(subscribers.c.email == email)
            .values(suppressed_at=None, suppressed_reason=None, hard_bounces=0)
        )
        return result.rowcount > 0


def record_bounce(db: Database, email: str, *, kind: str, reason: str, hard_limit: int, now: datetime) -> bool:
    """Store a bounce or complaint; a complaint, or ``hard_limit`` hard bounces, suppresses the address.
    Returns True when this bounce suppressed it."""
    with db.write() as conn:
        conn.execute(bounces.insert().values(email=email, kind=kind, reason=reason, at=now))
        if kind == "complaint":
            return _suppress(conn, email, f"complaint: {reason}", now)
        if kind != "hard":
            return False
        conn.execute(
            update(subscribers).where(subscribers.c.email == email).values(hard_bounces=subscribers.c.hard_bounces + 1)
        )
        count = conn.execute(select(subscribers.c.hard_bounces).where(subscribers.c.email == email)).scalar()
        if count is not None and count >= hard_limit:
            return _suppress(conn, email, f"{count} hard bounces; last: {reason}", now)
        return False


def count_by_status(db: Database) -> dict[str, int]:
    query = select(subscribers.c.status, func.count()).group_by(subscribers.c.status)
    with db.read() as conn:
        return {str(status): int(n) for status, n in conn.execute(query)}
