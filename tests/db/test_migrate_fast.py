"""``upgrade`` skips Alembic when the database is already at the head the migration files name (issue 16:
importing Alembic cost a third of a second on every command)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from paperwire.db import migrate, revisions
from paperwire.db.engine import Database


def test_head_from_files_agrees_with_alembic() -> None:
    assert revisions.head_from_files() == migrate.head_revision()


def test_is_current_only_at_the_head(db: Database) -> None:
    assert migrate.is_current(db)
    with db.write() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    assert not migrate.is_current(db)
    with db.write() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": migrate.head_revision()})
    assert migrate.is_current(db)


def test_a_new_database_is_not_current_and_upgrade_creates_it(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        assert not migrate.is_current(db)
        migrate.upgrade(db)
        assert migrate.is_current(db)
        assert migrate.is_up_to_date(db)
    finally:
        db.dispose()


def write_chain(folder: Path, *pairs: tuple[str, str | None]) -> None:
    (folder / "versions").mkdir(parents=True)
    for revision, parent in pairs:
        down = "None" if parent is None else f'"{parent}"'
        (folder / "versions" / f"{revision}_x.py").write_text(f'revision = "{revision}"\ndown_revision = {down}\n')


@pytest.mark.parametrize(
    ("pairs", "head"),
    [
        ([("0001", None), ("0002", "0001"), ("0007", "0002")], "0007"),  # ids need not be consecutive
        ([("0001", None), ("0002", "0001"), ("0003", "0001")], None),  # two heads: let Alembic decide
        ([("0001", None), ("0003", "0002")], None),  # a parent that is not there
    ],
)
def test_head_from_files_only_for_one_plain_chain(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pairs: list[tuple[str, str | None]], head: str | None
) -> None:
    write_chain(tmp_path, *pairs)
    monkeypatch.setattr(revisions, "MIGRATIONS", tmp_path)
    revisions.head_from_files.cache_clear()
    try:
        assert revisions.head_from_files() == head
    finally:
        revisions.head_from_files.cache_clear()


def test_upgrade_of_a_current_database_does_not_import_alembic(sqlite_db: Database) -> None:
    program = (
        "import sys\n"
        "from paperwire.db.engine import Database\n"
        "from paperwire.db.migrate import upgrade\n"
        f"upgrade(Database({sqlite_db.url!r}))\n"
        "print('alembic' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
