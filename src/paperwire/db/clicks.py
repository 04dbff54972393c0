"""Digest clicks at their exact moment (``mail_clicks``), and the flag for the ones a mail scanner made.

A click is logged with the digest that carried its link (``deliveries`` names it: a paper goes to a subscriber
once, so subscriber and paper identify the mail). The caller decides with ``paperwire.mail.clicks`` whether a
mail's clicks look like a scanner's; ``flag_scanner`` then marks them and withdraws their trending click
signals, so every reader of ``signals`` ignores them without knowing about scanners.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select, update

from paperwire.db import reactions
from paperwire.db.engine import Database
from paperwire.db.schema import deliveries, mail_clicks, outbox


@dataclass(frozen=True, slots=True)
class Mail:
    """The digest a click came from: when it went out and how many papers it carried."""

    outbox_id: int
    sent_at: datetime | None
    paper_count: int


@dataclass(frozen=True, slots=True)
class Click:
    id: int
    paper_id: str
    clicked_at: datetime
    scanner: bool


def mail_of(conn: Connection, subscriber_id: int, paper_id: str, *, lock: bool = False) -> Mail | None:
    """The digest that gave ``paper_id`` to ``subscriber_id``; ``lock`` serialises the clicks of one mail
    (PostgreSQL: two scanner requests at once must not both miss the burst; SQLite has one writer anyway)."""
    outbox_id = conn.execute(
        select(deliveries.c.outbox_id).where(
            deliveries.c.subscriber_id == subscriber_id, deliveries.c.paper_id == paper_id
        )
    ).scalar()
    if outbox_id is None:
        return None
    query = select(outbox.c.sent_at).where(outbox.c.id == outbox_id)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        return None
    count = conn.execute(select(func.count()).where(deliveries.c.outbox_id == outbox_id)).scalar_one()
    return Mail(int(outbox_id), row.sent_at, int(count))


def log_click(conn: Connection, subscriber_id: int, paper_id: str, mail: Mail | None, now: datetime) -> int:
    row = {
        "subscriber_id": subscriber_id,
        "paper_id": paper_id,
        "outbox_id": mail.outbox_id if mail else None,
        "clicked_at": now,
        "scanner": False,
    }
    return int(conn.execute(mail_clicks.insert().values(**row).returning(mail_clicks.c.id)).scalar_one())


def clicks_of_mail(conn: Connection, outbox_id: int) -> list[Click]:
    query = (
        select(mail_clicks.c.id, mail_clicks.c.paper_id, mail_clicks.c.clicked_at, mail_clicks.c.scanner)
        .where(mail_clicks.c.outbox_id == outbox_id)
        .order_by(mail_clicks.c.clicked_at, mail_clicks.c.id)
    )
    return [Click(int(r.id), str(r.paper_id), r.clicked_at, bool(r.scanner)) for r in conn.execute(query)]


def flag_scanner(conn: Connection, subscriber_id: int, click_ids: Sequence[int]) -> None:
    """Mark these clicks as a scanner's and withdraw the trending click signal each one gave, unless a
    click of the same person, paper and day that is not a scanner's holds it up."""
    if not click_ids:
        return
    conn.execute(update(mail_clicks).where(mail_clicks.c.id.in_(list(click_ids))).values(scanner=True))
    flagged = conn.execute(
        select(mail_clicks.c.paper_id, mail_clicks.c.clicked_at).where(mail_clicks.c.id.in_(list(click_ids)))
    ).all()
    for paper_id, clicked_at in flagged:
        day = clicked_at.replace(hour=0, minute=0, second=0, microsecond=0)
        human = conn.execute(
            select(mail_clicks.c.id).where(
                mail_clicks.c.subscriber_id == subscriber_id,
                mail_clicks.c.paper_id == paper_id,
                mail_clicks.c.scanner.is_(False),
                mail_clicks.c.clicked_at >= day,
                mail_clicks.c.clicked_at < day + timedelta(days=1),
            )
        ).first()
        if human is not None:
            continue
        reactions.withdraw_click(conn, paper_id=paper_id, subscriber=str(subscriber_id), day=day)


def human_clicks(db: Database, subscriber_ids: Sequence[int] | None = None) -> dict[int, list[str]]:
    """The papers each subscriber clicked in digests, scanners' clicks left out; most recent first."""
    query = (
        select(mail_clicks.c.subscriber_id, mail_clicks.c.paper_id, func.max(mail_clicks.c.clicked_at).label("at"))
        .where(mail_clicks.c.scanner.is_(False))
        .group_by(mail_clicks.c.subscriber_id, mail_clicks.c.paper_id)
        .order_by(mail_clicks.c.subscriber_id, func.max(mail_clicks.c.clicked_at).desc(), mail_clicks.c.paper_id)
    )
    if subscriber_ids is not None:
        query = query.where(mail_clicks.c.subscriber_id.in_(list(subscriber_ids)))
    found: dict[int, list[str]] = {}
    with db.read() as conn:
        for subscriber_id, paper_id, _ in conn.execute(query):
            found.setdefault(int(subscriber_id), []).append(str(paper_id))
    return found


def clicks_for_export(conn: Connection, subscriber_id: int) -> list[dict[str, object]]:
    query = (
        select(mail_clicks.c.paper_id, mail_clicks.c.clicked_at, mail_clicks.c.scanner)
        .where(mail_clicks.c.subscriber_id == subscriber_id)
        .order_by(mail_clicks.c.clicked_at, mail_clicks.c.id)
    )
    return [
        {"paper_id": r.paper_id, "at": r.clicked_at, "looked_like_a_mail_scanner": bool(r.scanner)}
        for r in conn.execute(query)
    ]
