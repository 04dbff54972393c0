from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from paperwire.core.clock import utcnow
from paperwire.core.records import PaperRecord
from paperwire.db.engine import Database, normalize_url
from paperwire.db.migrate import head_revision, is_up_to_date, upgrade
from paperwire.db.papers import count_papers, upsert_papers
from paperwire.ingest.normalize import make_record


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_db: Database) -> None:
    with sqlite_db.read() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_migrations_are_idempotent(db: Database) -> None:
    assert is_up_to_date(db)
    upgrade(db)
    assert head_revision() is not None


def test_postgres_urls_use_psycopg3() -> None:
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"


def test_concurrent_writers_in_two_processes_worth_of_connections_all_succeed(tmp_path: Path) -> None:
    """Two Database handles on one file (as a web process and the scheduler would have) write at once:
    BEGIN IMMEDIATE + busy_timeout make them queue instead of failing with 'database is locked'."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    first, second = Database(url), Database(url)
    upgrade(first)
    errors: list[BaseException] = []

    def write(db: Database, start: int) -> None:
        try:
            for n in range(start, start + 40):
                record = make_record(raw_id=f"2401.{n:05d}", title=f"Paper {n}", abstract="", source="t")
                assert isinstance(record, PaperRecord)
                with db.write() as conn:
                    upsert_papers(conn, [record], now=utcnow())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(db, start)) for db, start in ((first, 0), (second, 100))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert count_papers(first) == 80
