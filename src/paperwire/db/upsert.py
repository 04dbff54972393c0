"""``INSERT ... ON CONFLICT DO NOTHING`` for the two dialects paperwire runs on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_ignore(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> int:
    """Insert rows, silently skipping those that hit a unique constraint; returns how many were new.

    The count comes from RETURNING, not ``rowcount``: with many rows in one call, drivers report
    ``rowcount`` unreliably (psycopg gives -1 for a batched statement).
    """
    if not rows:
        return 0
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).on_conflict_do_nothing().returning(*table.primary_key.columns)
    return len(conn.execute(statement, list(rows)).all())
