"""Users (signed in by email link) and burnt single-use token nonces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from paperwire.core.signals import APP_SOURCE, REACTION_KINDS, SAVE, UPVOTE
from paperwire.db.engine import Database
from paperwire.db.schema import signals, used_tokens, users
from paperwire.db.upsert import insert_ignore


@dataclass(frozen=True, slots=True)
class User:
    id: int
    email: str
    is_admin: bool
    created_at: datetime
    last_login_at: datetime | None


def get_user(db: Database, user_id: int) -> User | None:
    with db.read() as conn:
        row = conn.execute(select(users).where(users.c.id == user_id)).mappings().first()
    return User(**row) if row else None


def ids_by_email(db: Database) -> dict[str, int]:
    with db.read() as conn:
        return {str(row.email): int(row.id) for row in conn.execute(select(users.c.email, users.c.id))}


def find_user(db: Database, email: str) -> User | None:
    with db.read() as conn:
        row = conn.execute(select(users).where(users.c.email == email)).mappings().first()
    return User(**row) if row else None


def sign_in(db: Database, email: str, *, now: datetime) -> User:
    """The user with this (normalised) address, created on first sign-in; records the sign-in time."""
    with db.write() as conn:
        insert_ignore(conn, users, [{"email": email, "is_admin": False, "created_at": now}])
        conn.execute(users.update().where(users.c.email == email).values(last_login_at=now))
        row = conn.execute(select(users).where(users.c.email == email)).mappings().one()
    return User(**row)


def set_admin(db: Database, email: str, *, admin: bool, now: datetime) -> User:
    with db.write() as conn:
        insert_ignore(conn, users, [{"email": email, "is_admin": admin, "created_at": now}])
        conn.execute(users.update().where(users.c.email == email).values(is_admin=admin))
        row = conn.execute(select(users).where(users.c.email == email)).mappings().one()
    return User(**row)


def consume_nonce(db: Database, nonce: str, *, purpose: str, expires_at: datetime, now: datetime) -> bool:
    """Burn a single-use token. True the first time; False if it was used before (a replay)."""
    with db.write() as conn:
        conn.execute(delete(used_tokens).where(used_tokens.c.expires_at < now))
        row = {"nonce": nonce, "purpose": purpose, "used_at": now, "expires_at": expires_at}
        return insert_ignore(conn, used_tokens, [row]) == 1


def export_account(db: Database, user_id: int) -> dict[str, Any] | None:
    """The account and what it gave on the site: votes and saves, each with its moment."""
    user = get_user(db, user_id)
    if user is None:
        return None
    query = (
        select(signals.c.kind, signals.c.paper_id, signals.c.at)
        .where(
            signals.c.source == APP_SOURCE,
            signals.c.kind.in_(REACTION_KINDS),
            signals.c.actor == str(user_id),
        )
        .order_by(signals.c.at, signals.c.paper_id)
    )
    with db.read() as conn:
        given = conn.execute(query).all()
    return {
        "email": user.email,
        "created_at": user.created_at,
        "last_login_at": user.last_login_at,
        "votes": [{"paper_id": r.paper_id, "at": r.at} for r in given if r.kind == UPVOTE],
        "saves": [{"paper_id": r.paper_id, "at": r.at} for r in given if r.kind == SAVE],
    }
