"""``paperwire admin grant|revoke EMAIL`` and ``paperwire backup``."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from paperwire.cli.common import CliError, clean_errors, email_argument, err, open_database, settings
from paperwire.core.clock import utcnow
from paperwire.db import users

admin_app = typer.Typer(help="Administrators of the site.")


def register(root: typer.Typer) -> None:
    root.add_typer(admin_app, name="admin")
    root.command("backup")(backup)


@admin_app.command("grant")
@clean_errors
def grant(email: Annotated[str, typer.Argument(metavar="EMAIL")]) -> None:
    """Give EMAIL the admin role (they sign in with that address as usual)."""
    user = users.set_admin(open_database(settings()), email_argument(email), admin=True, now=utcnow())
    err.print(f"{user.email} is an admin", highlight=False)


@admin_app.command("revoke")
@clean_errors
def revoke(email: Annotated[str, typer.Argument(metavar="EMAIL")]) -> None:
    """Take the admin role away from EMAIL."""
    user = users.set_admin(open_database(settings()), email_argument(email), admin=False, now=utcnow())
    err.print(f"{user.email} is no longer an admin", highlight=False)


@clean_errors
def backup(
    to: Annotated[
        Path | None, typer.Option("--to", help="Backup file (default var/backups/paperwire-TIME.db).")
    ] = None,
) -> None:
    """Copy the SQLite database while paperwire keeps running (SQLite's online backup). On PostgreSQL it
    prints the pg_dump command to use instead."""
    config = settings()
    db = open_database(config)
    if not db.is_sqlite:
        url = make_url(db.url)
        raise CliError(
            "on PostgreSQL use pg_dump, e.g.: pg_dump --format=custom --file=paperwire.dump "
            f"--host={url.host or 'localhost'} --port={url.port or 5432} --username={url.username or 'postgres'} "
            f"{url.database}   (restore with pg_restore --clean --dbname=...)"
        )
    source_path = make_url(db.url).database
    assert source_path
    target = to or config.home / "backups" / f"paperwire-{utcnow():%Y%m%dT%H%M%S}.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source_path) as source, sqlite3.connect(target) as copy:
        source.backup(copy)  # consistent snapshot; writers are paused only page-batch by page-batch
    with sqlite3.connect(target) as check:
        verdict = check.execute("PRAGMA integrity_check").fetchone()[0]
    if verdict != "ok":
        raise CliError(f"the backup at {target} failed its integrity check: {verdict}")
    err.print(f"backed up to {target} ({target.stat().st_size:,} bytes, integrity ok)", highlight=False)
