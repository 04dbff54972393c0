"""A real site for the web tests: SQLite with the bundled sample, its search index, the FastAPI app."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email import message_from_string, policy
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from paperwire.config import Settings
from paperwire.db import dev_mail
from paperwire.db.engine import Database
from paperwire.db.migrate import upgrade
from paperwire.ingest import service
from paperwire.web.app import create_app
from paperwire.web.services import Services

SIGNIN_LINK = re.compile(r"(http://[^\s\"<>]+/signin/confirm\?token=[\w.\-%=]+)")


@pytest.fixture(scope="session")
def site_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    home = tmp_path_factory.mktemp("site")
    return Settings(home=home, base_url="http://testserver", index_catch_up_seconds=3600)


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
    services = app.state.services
    fresh = Services.build(services.settings, services.db, services.search)
    for limiter in ("signin_by_ip", "signin_by_address", "votes_by_user", "subscribe_by_ip"):
        setattr(services, limiter, getattr(fresh, limiter))
    with TestClient(app) as test_client:
        yield test_client


def csrf_of(client: TestClient) -> str:
    """The CSRF token the site put in the page (and so in the session)."""
    page = client.get("/signin")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "no CSRF token on the sign-in page"
    return match.group(1)


def sign_in(client: TestClient, db: Database, email: str) -> None:
    """The whole magic-link flow, through the dev mailbox."""
    token = csrf_of(client)
    response = client.post("/signin", data={"email": email, "csrf_token": token, "next": "/"})
    assert response.status_code == 200
    link = latest_link(db, email)
    confirm = client.get(link.replace("http://testserver", ""))
    assert confirm.status_code == 200
    token_field = re.search(r'name="token" value="([^"]+)"', confirm.text)
    assert token_field
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', confirm.text)
    assert csrf
    done = client.post(
        "/signin/confirm", data={"token": token_field.group(1), "csrf_token": csrf.group(1)}, follow_redirects=False
    )
    assert done.status_code == 303


def latest_link(db: Database, email: str) -> str:
    messages = dev_mail.latest(db, to_addr=email, limit=1)
    assert messages, f"no mail to {email}"
    message = message_from_string(messages[0]["raw"], policy=policy.default)
    body = message.get_body(preferencelist=("plain",))  # type: ignore[attr-defined]
    match = SIGNIN_LINK.search(body.get_content())
    assert match
    return str(match.group(1))


@pytest.fixture
def fixtures_dir() -> Path:
    return Path(__file__).parents[1] / "fixtures"
