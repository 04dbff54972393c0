"""The database handle: one engine, read and write transactions, SQLite tuned for one writer.

SQLite runs in WAL mode so readers never block the writer; writes take ``BEGIN IMMEDIATE`` (the write lock
up front, so two writers queue instead of failing with "database is locked" half-way through). Writers queue
on a lock in the process and, across processes, on ``flock`` of a file beside the database: SQLite's own
``busy_timeout`` waits by sleeping 1, 2, 5, 10… ms between tries, which made several sender processes
slower than one; a process blocked in ``flock`` is woken the moment the lock is free. ``busy_timeout``
stays as the fallback for writers outside paperwire (the ``sqlite3`` shell, a backup tool). The file lock
has no timeout: it is held only around a paperwire transaction, so only a paperwire process frozen in the
middle of one (stopped, in a debugger) would keep the others waiting. PostgreSQL needs none of that.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from paperwire.db.lite import MissingDatabase as MissingDatabase  # the light read path refuses it too
from paperwire.db.lite import missing_database_message

try:
    import fcntl
except ImportError:  # not on Windows: there, writers of different processes queue on busy_timeout alone
    fcntl = None  # type: ignore[assignment]

SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalize_url(url: str) -> str:
    """``postgresql://`` -> ``postgresql+psycopg://`` (psycopg 3 is the driver we ship)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" hook (below) emit BEGIN itself: pysqlite's implicit transactions
    # would otherwise start a deferred transaction we cannot upgrade to IMMEDIATE.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    immediate = conn.get_execution_options().get("paperwire_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def display_url(url: str) -> str:
    """The URL with any password hidden, for messages."""
    return make_url(normalize_url(url)).render_as_string(hide_password=True)


def sqlite_file(url: str) -> Path | None:
    """The file behind a SQLite URL; None for other backends and in-memory databases."""
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def require_existing(url: str) -> None:
    """Refuse a SQLite file that does not exist yet, before anything creates it.

    Opening a missing file would silently make a new, empty database (issue 16: `subscribers list` from
    another folder printed "0 subscriber(s)" from a fresh ``var/``). A server URL (PostgreSQL) names a
    database the operator created; its schema is migrated as before.
    """
    path = sqlite_file(url)
    if path is not None and not path.exists():
        raise MissingDatabase(missing_database_message(path))


class Database:
    """Owns the engine. ``read()`` and ``write()`` give a connection inside a transaction."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalize_url(url)
        parsed = make_url(self.url)
        self.dialect = parsed.get_backend_name()
        self.is_sqlite = self.dialect == "sqlite"
        self._write_lock = threading.RLock()
        self._write_depth = 0  # nesting of write() in the thread that holds _write_lock
        self._writer_file: int | None = None
        if self.is_sqlite:
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
                if fcntl is not None:
                    self._writer_file = os.open(f"{parsed.database}-writer.lock", os.O_RDWR | os.O_CREAT, 0o644)
            self.engine: Engine = create_engine(self.url, echo=echo)
            event.listen(self.engine, "connect", _sqlite_on_connect)
            event.listen(self.engine, "begin", _sqlite_on_begin)
        else:
            self.engine = create_engine(self.url, echo=echo, pool_pre_ping=True)

    @property
    def display_url(self) -> str:
        """The URL with any password hidden, for messages."""
        return display_url(self.url)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def driver_connection(self) -> Iterator[sqlite3.Connection]:
        """SQLite only: the stdlib connection of one pooled connection, outside any transaction (each statement
        is then its own consistent read), for a hot read that SQLAlchemy's execution would slow down."""
        assert self.is_sqlite, "the stdlib driver speaks SQLite only"
        pooled = self.engine.raw_connection()
        try:
            driver = pooled.driver_connection
            assert isinstance(driver, sqlite3.Connection)
            yield driver
        finally:
            pooled.close()

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: committed on success, rolled back (nothing kept) on any exception."""
        if not self.is_sqlite:
            with self.engine.begin() as conn:
                yield conn
            return
        with self._writer(), self.engine.connect() as conn:
            conn.execution_options(paperwire_write=True)
            with conn.begin():
                yield conn

    @contextmanager
    def write_connection(self) -> Iterator[Connection]:
        """A connection for a write transaction the caller begins and commits itself (``conn.begin()``),
        for work that must happen right after the commit, before anything else (see ``outbox.mark_sent``)."""
        if not self.is_sqlite:
            with self.engine.connect() as conn:
                yield conn
            return
        with self._writer(), self.engine.connect() as conn:
            conn.execution_options(paperwire_write=True)
            yield conn

    @contextmanager
    def _writer(self) -> Iterator[None]:
        """This process's turn to write: the thread lock, then (outermost only) the cross-process file lock."""
        with self._write_lock:
            self._write_depth += 1
            outermost = self._write_depth == 1 and self._writer_file is not None
            try:
                if outermost:
                    fcntl.flock(self._writer_file, fcntl.LOCK_EX)  # type: ignore[arg-type]
                yield
            finally:
                if outermost:
                    fcntl.flock(self._writer_file, fcntl.LOCK_UN)  # type: ignore[arg-type]
                self._write_depth -= 1

    def dispose(self) -> None:
        self.engine.dispose()
        if self._writer_file is not None:
            os.close(self._writer_file)
            self._writer_file = None
