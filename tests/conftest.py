"""Shared fixtures: settings on a temporary home, and real databases (SQLite always, PostgreSQL when
``PAPERWIRE_TEST_POSTGRES_URL`` is set; each PostgreSQL test gets its own schema, dropped afterwards)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from paperwire.config import Settings
from paperwire.db.engine import Database, normalize_url
from paperwire.db.migrate import upgrade
from smtp_sink import SmtpSink

from replay_server import ReplayServer

FIXTURES = Path(__file__).parent / "fixtures"
POSTGRES_URL = os.environ.get("PAPERWIRE_TEST_POSTGRES_URL")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", oai_page_pause=0.0, arxiv_api_interval=0.0)


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'paperwire.db'}")
    upgrade(db)
    yield db
    db.dispose()


def postgres_schema_url(schema: str) -> str:
    """The test server's URL with ``search_path`` pinned to one schema."""
    assert POSTGRES_URL
    url = make_url(normalize_url(POSTGRES_URL)).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture
def postgres_db() -> Iterator[Database]:
    if not POSTGRES_URL:
        pytest.skip("PAPERWIRE_TEST_POSTGRES_URL is not set")
    schema = f"pw_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalize_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = Database(postgres_schema_url(schema))
    try:
        upgrade(db)
        yield db
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Database:
    """The database layer under test, on SQLite and on PostgreSQL."""
    fixture = "sqlite_db" if request.param == "sqlite" else "postgres_db"
    database: Database = request.getfixturevalue(fixture)
    return database


@pytest.fixture
def replay_server() -> Iterator[ReplayServer]:
    """A real local HTTP server replaying recorded responses (see ``replay_server.py``)."""
    with ReplayServer() as server:
        yield server


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) on a free local port."""
    with SmtpSink() as sink:
        yield sink
