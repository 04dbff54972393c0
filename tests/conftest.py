"""Shared fixtures: settings on a temporary home, real databases, a replay HTTP server, an SMTP sink.

Every test runs against the backend chosen by ``PAPERWIRE_TEST_BACKEND`` (``sqlite``, the default, or
``postgres``): the autouse ``isolated_database`` fixture points ``PAPERWIRE_DATABASE_URL`` at a fresh
database for each test, so settings, the CLI and subprocesses all use it. The database-layer tests that
take the ``db`` fixture run on both backends in every run (PostgreSQL when ``PAPERWIRE_TEST_POSTGRES_URL``
is set)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from paperwire.config import Settings
from paperwire.db.engine import Database
from paperwire.db.migrate import upgrade
from testkit import databases
from testkit.replay_server import ReplayServer
from testkit.smtp_sink import SmtpSink

FIXTURES = Path(__file__).parent / "fixtures"
POSTGRES_URL = os.environ.get("PAPERWIRE_TEST_POSTGRES_URL")


@pytest.fixture(autouse=True)
def isolated_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The configured backend, empty, for this test only (through ``PAPERWIRE_DATABASE_URL``). The default
    home is the test's own folder too: no test may touch the user's data folder (the real default)."""
    monkeypatch.setenv("PAPERWIRE_HOME", str(tmp_path / "home"))
    with databases.fresh_database_url(tmp_path) as url:
        if databases.BACKEND == "postgres":
            monkeypatch.setenv("PAPERWIRE_DATABASE_URL", url)
        else:
            monkeypatch.delenv("PAPERWIRE_DATABASE_URL", raising=False)
        yield url


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", oai_page_pause=0.0, arxiv_api_interval=0.0)


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'paperwire.db'}")
    upgrade(db)
    yield db
    db.dispose()


@pytest.fixture
def postgres_db() -> Iterator[Database]:
    if not POSTGRES_URL:
        pytest.skip("PAPERWIRE_TEST_POSTGRES_URL is not set")
    with databases.postgres_schema() as url:
        db = Database(url)
        try:
            upgrade(db)
            yield db
        finally:
            db.dispose()


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


FAULT_SUITE = (Path(__file__).parent / "faults", Path(__file__).parent / "fuzz")


@pytest.hookimpl(tryfirst=True)  # before -m selects on the marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Everything under tests/faults and tests/fuzz is the `make faults` suite (docs/reliability.md)."""
    for item in items:
        if any(folder in Path(str(item.fspath)).parents for folder in FAULT_SUITE):
            item.add_marker(pytest.mark.faults)
