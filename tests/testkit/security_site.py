"""Helpers for the security tests: database snapshots, pages without their per-session values. CSRF tokens and
sign-in come from ``site_helpers`` (shared with tests/web)."""

from __future__ import annotations

import re

from sqlalchemy import select

from paperwire.db.engine import Database
from paperwire.db.schema import metadata

# Tables whose rows a refused request must not change (sessions live in cookies, not here).
ALL_TABLES = sorted(metadata.tables)


def snapshot(db: Database, *, skip: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Every row of every table (as text, sorted): equal snapshots mean nothing was written."""
    state: dict[str, list[str]] = {}
    with db.read() as conn:
        for name in ALL_TABLES:
            if name in skip:
                continue
            state[name] = sorted(repr(tuple(row)) for row in conn.execute(select(metadata.tables[name])))
    return state


def changed_tables(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]


def strip_tokens(html: str) -> str:
    """A page without its per-session values (CSRF tokens): what is left must not differ between visitors."""
    return re.sub(r'(value|data-csrf)="[^"]+"', r'\1=""', html)
