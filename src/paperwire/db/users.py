"""Users (signed in by email link) and burnt single-use token nonces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from paperwire.db.engine import Database
from paperwire.db.schema import used_tokens, users
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
