"""A read path with the stdlib ``sqlite3`` module, for the light commands (``papers count``, ``subscribers
list``, ``ingest status``, and ``search`` on a current index: ``SearchReads``) on a SQLite file.

Importing SQLAlchemy and the table definitions costs ~0.3 s, more than these commands take otherwise
(issue 16: the CLI must start at once). They read one table each, so this module asks the same questions in
plain SQL and returns the same rows (``db/rows.py``) converted the way SQLAlchemy converts them on SQLite
(``DateTime``: ``datetime.fromisoformat``; ``Date``: ``date.fromisoformat``; ``Boolean``: ``bool``; ``JSON``:
``json.loads``), so a light command prints byte for byte what the full one prints
(``tests/cli/test_light_cli.py`` compares them).

It never creates or migrates anything: ``open_current`` gives None for anything but a plain SQLite URL of a
file at the newest schema, and the caller then takes the full path (SQLAlchemy, migrations, PostgreSQL).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from paperwire.db.revisions import head_from_files
from paperwire.db.rows import HIT_FIELDS, HarvestState, Subscriber

SQLITE_PREFIX = "sqlite:///"
# What SQLAlchemy's URL parser would read differently from a plain path (a query, escapes, user@host parts).
_UNPLAIN = set("?#%@:\\")
BUSY_TIMEOUT_S = 30.0  # as engine.SQLITE_BUSY_TIMEOUT_MS
_MAX_PARAMS = 900  # as embeddings._SQLITE_MAX_PARAMS


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


class SearchReads:
    """What a search of a current index reads (``search.reads.PaperReads``), as ``db.embeddings`` reads it."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def max_seq(self) -> int:
        return int(self.conn.execute("SELECT coalesce(max(seq), 0) FROM papers").fetchone()[0])

    def count_changed_since(self, since: int) -> int:
        return int(self.conn.execute("SELECT count(*) FROM papers WHERE seq > ?", (since,)).fetchone()[0])

    def live_papers_by_id(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        return live_papers_by_id(self.conn, ids)


def live_papers_by_id(conn: sqlite3.Connection, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``db.embeddings.live_papers_by_id`` through the standard library's driver: each value converted as
    SQLAlchemy converts it on SQLite, so the rows are equal value for value and type for type
    (``tests/db/test_embeddings.py``). One statement per chunk: each is a consistent read on its own."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), _MAX_PARAMS):
        chunk = list(ids[start : start + _MAX_PARAMS])
        sql = _LIVE_BY_ID_SQL.format(marks=", ".join("?" * len(chunk)))
        for row in conn.execute(sql, chunk).fetchall():
            found[row[0]] = {
                name: value if convert is None else convert(value)
                for name, convert, value in zip(HIT_FIELDS, _HIT_CONVERSIONS, row, strict=True)
            }
    return found


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


_HIT_JSON = {"authors", "categories", "code_links"}
_HIT_DATETIMES = {"submitted_at", "updated_at"}
_HIT_DATES = {"announced_on"}
_HIT_CONVERSIONS = tuple(
    json_value
    if name in _HIT_JSON
    else datetime_value
    if name in _HIT_DATETIMES
    else date_value
    if name in _HIT_DATES
    else None
    for name in HIT_FIELDS
)
_LIVE_BY_ID_SQL = f"SELECT {', '.join(HIT_FIELDS)} FROM papers WHERE id IN ({{marks}}) AND deleted IS 0"
