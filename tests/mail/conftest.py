"""A small real world for the mail tests: 50 real papers (one listing day), indexed once per session and
copied per test, plus an SMTP sink. Each test gets its own database and search index."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest

from paperwire.config import Settings
from paperwire.db import subscribers as subs
from paperwire.db.engine import Database
from paperwire.db.migrate import upgrade
from paperwire.db.subscribers import Preferences, Subscriber
from paperwire.ingest import service
from paperwire.search import SearchService
from smtp_sink import SmtpSink

FIXTURES = Path(__file__).parents[1] / "fixtures"
DAY_FILE = FIXTURES / "arxiv_daily" / "head50" / "2026-05-14.jsonl"
LISTING_DAY = date(2026, 5, 14)  # a Thursday
NOW = datetime(2026, 5, 14, 12, 0)


@dataclass
class World:
    settings: Settings
    db: Database
    search: SearchService

    def subscriber(self, email: str, **prefs: object) -> Subscriber:
        subscriber, _ = subs.add(self.db, email, Preferences(**prefs), confirmed=True, now=NOW)  # type: ignore[arg-type]
        return subscriber


def world_settings(home: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "home": home,
        "base_url": "https://papers.example.org",
        "mail_from": "paperwire <digest@papers.example.org>",
        "mail_retry_seconds": 0.05,
        "outbox_lease_seconds": 5.0,
        "mail_connections": 2,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def template_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("mail-world")
    settings = world_settings(home)
    db = Database(settings.resolved_database_url)
    upgrade(db)
    service.ingest_jsonl(db, settings, [DAY_FILE])
    SearchService(settings, db).catch_up()
    db.dispose()
    return home


@pytest.fixture
def world(template_home: Path, tmp_path: Path, smtp_sink: SmtpSink) -> Iterator[World]:
    home = tmp_path / "home"
    shutil.copytree(template_home, home)
    settings = world_settings(home, mail_url=smtp_sink.url)
    db = Database(settings.resolved_database_url)
    yield World(settings, db, SearchService(settings, db))
    db.dispose()
