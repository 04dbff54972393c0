"""Bring a database to the newest schema with Alembic (``paperwire init`` and every start call this).

Every command calls ``upgrade``, and nearly always the database is already current. Importing Alembic costs
more than most commands take (a third of a second here, issue 16), so ``upgrade`` first compares the
database's ``alembic_version`` with the head read from the migration files' ``revision`` lines, and imports
Alembic only when they differ (or when the files are anything but one plain chain: then Alembic decides).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from paperwire.db.engine import Database
from paperwire.db.revisions import MIGRATIONS, head_from_files

if TYPE_CHECKING:
    from alembic.config import Config


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(db: Database) -> None:
    """Apply every pending migration; a no-op on an up-to-date database."""
    if is_current(db):
        return
    from alembic import command

    config = _config()
    with db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def is_current(db: Database) -> bool:
    """The database is at the head revision (read with one query; False when unsure)."""
    head = head_from_files()
    if head is None:
        return False
    try:
        with db.engine.connect() as conn:
            versions = list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except DBAPIError:  # a new database: no version table yet
        return False
    return versions == [head]


def current_revision(db: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def is_up_to_date(db: Database) -> bool:
    return current_revision(db) == head_revision()
