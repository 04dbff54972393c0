"""Where the tests' databases live. ``PAPERWIRE_TEST_BACKEND=postgres`` runs the whole suite on PostgreSQL
(``.ci/run`` runs it once per backend): each test then gets a fresh schema on the server at
``PAPERWIRE_TEST_POSTGRES_URL``, dropped afterwards; otherwise SQLite files under the test's tmp dir."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from paperwire.db.engine import Database, normalize_url
from paperwire.db.migrate import upgrade
from paperwire.db.schema import metadata

BACKEND = os.environ.get("PAPERWIRE_TEST_BACKEND", "sqlite")
POSTGRES_URL = os.environ.get("PAPERWIRE_TEST_POSTGRES_URL")
if BACKEND == "postgres" and not POSTGRES_URL:
    raise RuntimeError("PAPERWIRE_TEST_BACKEND=postgres needs PAPERWIRE_TEST_POSTGRES_URL")


def schema_url(schema: str) -> str:
    """The test server's URL with ``search_path`` pinned to one schema."""
    assert POSTGRES_URL
    url = make_url(normalize_url(POSTGRES_URL)).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


def _admin_execute(statement: str) -> None:
    assert POSTGRES_URL
    engine = create_engine(normalize_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh schema's URL for the duration of the block."""
    schema = f"pw_test_{uuid.uuid4().hex[:12]}"
    _admin_execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield schema_url(schema)
    finally:
        _admin_execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@contextmanager
def fresh_database_url(directory: Path) -> Iterator[str]:
    """An empty database of the configured backend (migrated on first use, like a new install)."""
    if BACKEND == "postgres":
        with postgres_schema() as url:
            yield url
    else:
        yield f"sqlite:///{(directory / 'paperwire.db').as_posix()}"


def clone(template_url: str, target_url: str) -> None:
    """Copy every row of a migrated template database into an empty one (a fast per-test copy of a
    prepared world: no re-ingest, no re-embedding)."""
    if template_url.startswith("sqlite"):
        source, target = make_url(template_url).database, make_url(target_url).database
        assert source
        assert target
        shutil.copyfile(source, target)
        return
    source_db, target_db = Database(template_url), Database(target_url)
    try:
        upgrade(target_db)
        with source_db.read() as read, target_db.write() as write:
            for table in reversed(metadata.sorted_tables):  # rows the migrations seed (signal_changes) go too
                write.execute(table.delete())
            for table in metadata.sorted_tables:
                rows = [dict(row) for row in read.execute(select(table)).mappings()]
                if rows:
                    write.execute(table.insert(), rows)
                if "id" in table.c and table.c.id.type.python_type is int and rows:
                    write.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"(SELECT max(id) FROM {table.name}))"
                        )
                    )
    finally:
        source_db.dispose()
        target_db.dispose()
