"""A real site for the web tests: SQLite with the bundled sample, its search index, the FastAPI app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from paperwire.config import Settings
from paperwire.db.engine import Database
from paperwire.db.migrate import upgrade
from paperwire.ingest import service
from paperwire.web.app import create_app
from testkit import databases
from testkit.site_helpers import reset_rate_limits


@pytest.fixture(scope="session")
def site_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    home = tmp_path_factory.mktemp("site")
    with databases.fresh_database_url(home) as url:
        yield Settings(home=home, database_url=url, base_url="http://testserver", index_catch_up_seconds=3600)


@pytest.fixture(scope="session")
def site_db(site_settings: Settings) -> Iterator[Database]:
    db = Database(site_settings.resolved_database_url)
    upgrade(db)
    service.load_sample(db, site_settings)
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def app(site_settings: Settings, site_db: Database):  # type: ignore[no-untyped-def]
    return create_app(site_settings, db=site_db)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """A fresh browser (no cookies) with fresh rate limits: every test starts like a new visitor."""
    reset_rate_limits(app.state.services)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def fixtures_dir() -> Path:
    return Path(__file__).parents[1] / "fixtures"
