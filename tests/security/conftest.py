"""A real site for the security tests: the configured backend with the bundled sample, its search index and
the FastAPI app (the same shape as tests/web, built separately so this folder runs on its own)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from paperwire.config import Settings
from paperwire.db.engine import Database
from paperwire.db.migrate import upgrade
from paperwire.ingest import service
from paperwire.web.app import create_app
from paperwire.web.services import Services
from testkit import databases
from testkit.site_helpers import reset_rate_limits


@pytest.fixture(scope="session")
def sec_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    home = tmp_path_factory.mktemp("security-site")
    with databases.fresh_database_url(home) as url:
        yield Settings(
            home=home,
            database_url=url,
            base_url="http://testserver",
            index_catch_up_seconds=3600,
            webhook_token="webhook-secret-for-tests",
        )


@pytest.fixture(scope="session")
def sec_db(sec_settings: Settings) -> Iterator[Database]:
    db = Database(sec_settings.resolved_database_url)
    upgrade(db)
    service.load_sample(db, sec_settings)
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def sec_app(sec_settings: Settings, sec_db: Database) -> FastAPI:
    app = create_app(sec_settings, db=sec_db)
    app.state.services.search.catch_up()
    return app


@pytest.fixture
def services(sec_app: FastAPI) -> Services:
    """The app's services, with fresh rate limiters for this test."""
    current: Services = sec_app.state.services
    reset_rate_limits(current)
    current.cache.clear()
    return current


@pytest.fixture
def client(sec_app: FastAPI, services: Services) -> TestClient:
    """A fresh browser: no cookies, fresh rate limits."""
    return TestClient(sec_app)
