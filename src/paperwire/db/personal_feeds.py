"""The generation of each subscriber's personal feed link: the link is derived from it, so bumping it revokes
the old link (``paperwire.mail.links.Links.personal_feed``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from paperwire.db.engine import Database
from paperwire.db.schema import personal_feeds
from paperwire.db.upsert import insert_ignore


def generation(db: Database, subscriber_id: int) -> int:
    """The current generation (0 until the first "new feed link")."""
    with db.read() as conn:
        found = conn.execute(
            select(personal_feeds.c.generation).where(personal_feeds.c.subscriber_id == subscriber_id)
        ).scalar()
    return int(found or 0)


def rotate(db: Database, subscriber_id: int, *, now: datetime) -> int:
    """A new generation: the previous link stops working. Returns the new generation."""
    with db.write() as conn:
        insert_ignore(conn, personal_feeds, [{"subscriber_id": subscriber_id, "generation": 0, "rotated_at": now}])
        conn.execute(
            update(personal_feeds)
            .where(personal_feeds.c.subscriber_id == subscriber_id)
            .values(generation=personal_feeds.c.generation + 1, rotated_at=now)
        )
        return int(
            conn.execute(
                select(personal_feeds.c.generation).where(personal_feeds.c.subscriber_id == subscriber_id)
            ).scalar_one()
        )
