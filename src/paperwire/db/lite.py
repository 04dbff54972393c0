"""A read path with the stdlib ``sqlite3`` module, for the light commands (``papers count``, ``subscribers
list``, ``ingest status``) on a SQLite file.

Importing SQLAlchemy and the table definitions costs ~0.3 s, more than these commands take otherwise
(issue 16: the CLI must start at once). They read one table each, so this module asks the same questions in
plain SQL and returns the same rows (``db/rows.py``) converted the way SQLAlchemy converts them on SQLite
(``DateTime``: ``datetime.fromisoformat``; ``Boolean``: ``bool``; ``JSON``: ``json.loads``), so a light
command prints byte for byte what the full one prints (``tests/cli/test_light_cli.py`` compares them).

It never creates or migrates anything: ``open_current`` gives None for anything but a plain SQLite URL of a
file at the newest schema, and the caller then takes the full path (SQLAlchemy, migrations, PostgreSQL).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from paperwire.db.revisions import head_from_files
from paperwire.db.rows import HarvestState, Subscriber

SQLITE_PREFIX = "sqlite:///"
# What SQLAlchemy's URL parser would read differently from a plain path (a query, escapes, user@host parts).
_UNPLAIN = set("?#%@:\\")
BUSY_TIMEOUT_S = 30.0  # as engine.SQLITE_BUSY_TIMEOUT_MS


class MissingDatabase(RuntimeError):
    """A SQLite database file that should exist does not (only ``paperwire init`` and ``run`` create one)."""


def missing_database_message(path: Path) -> str:
    return f"No paperwire database at {path.absolute()}: run `paperwire init`, or set PAPERWIRE_HOME"


def plain_sqlite_file(url: str) -> Path | None:
    """The file behind ``sqlite:///PATH`` when PATH is plain (what ``engine.sqlite_file`` would say); None
    for any other URL, which the full path handles."""
    if not url.startswith(SQLITE_PREFIX):
        return None
    path = url[len(SQLITE_PREFIX) :]
    if not path or path == ":memory:" or _UNPLAIN & set(path) or not path.isprintable():
        return None
    return Path(path)


@contextmanager
def open_current(path: Path) -> Iterator[sqlite3.Connection | None]:
    """A connection inside one read transaction to the existing file ``path`` when its schema is at the
    head revision; None when it is not (or its head is not known without Alembic): migrating is the full
    path's work. A missing file is never created (``mode=rw``)."""
    head = head_from_files()
    if head is None:
        yield None
        return
    uri = f"file:{quote(str(path.absolute()))}?mode=rw"
    conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        conn.execute("BEGIN")
        try:
            versions = [row[0] for row in conn.execute("SELECT version_num FROM alembic_version")]
        except sqlite3.OperationalError:  # no version table: a file paperwire never initialised
            yield None
            return
        yield conn if versions == [head] else None
        conn.execute("COMMIT")
    finally:
        conn.close()


def count_papers(conn: sqlite3.Connection) -> int:
    """``papers.count_papers``: stored, not deleted."""
    return int(conn.execute("SELECT count(*) FROM papers WHERE deleted IS 0").fetchone()[0])


def all_subscribers(conn: sqlite3.Connection, *, status: str | None = None) -> list[Subscriber]:
    """``subscribers.all_subscribers``."""
    where = " WHERE status = ?" if status else ""
    params = (status,) if status else ()
    return [_subscriber(row) for row in _rows(conn, f"SELECT * FROM subscribers{where} ORDER BY id", params)]


def all_states(conn: sqlite3.Connection) -> list[HarvestState]:
    """``harvest.all_states``."""
    return [
        HarvestState(
            source=row["source"],
            status=row["status"],
            resume=json_value(row["resume"]),
            last_datestamp=row["last_datestamp"],
            pages_done=row["pages_done"],
            records_done=row["records_done"],
            error=row["error"],
            started_at=datetime_value(row["started_at"]),
            updated_at=datetime_value(row["updated_at"]),  # type: ignore[arg-type]  # NOT NULL
        )
        for row in _rows(conn, "SELECT * FROM harvest_state ORDER BY source")
    ]


_SUBSCRIBER_JSON = {"topics", "categories", "authors", "liked"}
_SUBSCRIBER_DATETIMES = {"suppressed_at", "confirm_sent_at", "created_at", "confirmed_at", "unsubscribed_at"}


def _subscriber(row: sqlite3.Row) -> Subscriber:
    values: dict[str, Any] = {}
    for name in Subscriber.__dataclass_fields__:
        value = row[name]
        if name in _SUBSCRIBER_JSON:
            value = json_value(value)
        elif name in _SUBSCRIBER_DATETIMES:
            value = datetime_value(value)
        elif name == "paused":
            value = None if value is None else bool(value)
        values[name] = value
    return Subscriber(**values)


def _rows(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
    cursor = conn.execute(sql, params)
    cursor.row_factory = sqlite3.Row
    return cursor.fetchall()


# SQLAlchemy's conversions of SQLite values (also used by ``embeddings.live_papers_by_id``).
def json_value(value: str | None) -> Any:
    return None if value is None else json.loads(value)


def datetime_value(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def date_value(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)
