"""The dev mailbox: mail "sent" with PAPERWIRE_MAIL_URL=dev:// is stored here and shown at /_mail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from paperwire.db.engine import Database
from paperwire.db.schema import dev_mail


def store(db: Database, *, to_addr: str, subject: str, raw: str, now: datetime) -> int:
    with db.write() as conn:
        result = conn.execute(dev_mail.insert().values(to_addr=to_addr, subject=subject, raw=raw, created_at=now))
        return int(result.inserted_primary_key[0])  # type: ignore[index]


def latest(db: Database, *, limit: int = 50, to_addr: str | None = None) -> list[dict[str, Any]]:
    query = select(dev_mail).order_by(dev_mail.c.id.desc()).limit(limit)
    if to_addr:
        query = query.where(dev_mail.c.to_addr == to_addr)
    with db.read() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]


def get(db: Database, message_id: int) -> dict[str, Any] | None:
    with db.read() as conn:
        row = conn.execute(select(dev_mail).where(dev_mail.c.id == message_id)).mappings().first()
    return dict(row) if row else None
