"""A small real world for the mail tests: 50 real papers (one listing day), indexed once per session and
copied per test, plus an SMTP sink. Each test gets its own database and search index."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from paperwire.db.engine import Database
from paperwire.db.migrate import upgrade
from paperwire.ingest import service
from paperwire.search import SearchService
from testkit import databases
from testkit.mail_world import DAY_FILE, World, world_settings
from testkit.smtp_sink import SmtpSink


@pytest.fixture(scope="session")
def template_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """Built once: the papers stored and indexed (embedding is the slow part)."""
    home = tmp_path_factory.mktemp("mail-world")
    with databases.fresh_database_url(home) as url:
        settings = world_settings(home, database_url=url)
        db = Database(url)
        upgrade(db)
        service.ingest_jsonl(db, settings, [DAY_FILE])
        SearchService(settings, db).catch_up()
        db.dispose()
        yield home, url


@pytest.fixture
def world(
    template_world: tuple[Path, str], tmp_path: Path, isolated_database: str, smtp_sink: SmtpSink
) -> Iterator[World]:
    """A copy of the template world for this test: its own database and search index."""
    template_home, template_url = template_world
    home = tmp_path / "home"
    shutil.copytree(template_home, home)
    url = isolated_database if databases.BACKEND == "postgres" else f"sqlite:///{(home / 'paperwire.db').as_posix()}"
    if databases.BACKEND == "postgres":
        databases.clone(template_url, url)
    settings = world_settings(home, mail_url=smtp_sink.url, database_url=url)
    db = Database(settings.resolved_database_url)
    yield World(settings, db, SearchService(settings, db))
    db.dispose()
