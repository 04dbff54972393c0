"""The light commands without typer, pydantic or SQLAlchemy: ``papers count``, ``subscribers list [--status S]
[--json]`` and ``ingest status [--json]`` (issue 16: ≤ 0.3 s; importing those three libraries alone took
~0.5 s).

``run`` answers exactly these argument lists, on a plain SQLite file at the newest schema, and prints
through the same functions as the typer commands (``output.py``), so the output, the ``--json`` shapes, the
refusal of a missing database and the exit codes are the same. For anything else it returns None before
printing anything and ``paperwire.cli.main`` runs the typer root, which then does what it always did:
``--help``, an option it does not know, a malformed one, PostgreSQL, a database to migrate, settings that fail
validation, a database error (``tests/cli/test_light_cli.py`` compares both paths).

Settings stay typed and validated: the two it needs come from ``HomeSettings`` when the environment sets no
other paperwire setting; otherwise the full ``Settings`` are built (and checked) as every command builds them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from paperwire.cli import LIGHT_COMMANDS
from paperwire.cli.output import print_error, show_harvests, show_subscribers
from paperwire.core.home import HomeSettings
from paperwire.db import lite

if TYPE_CHECKING:
    import sqlite3

    from paperwire.config import Settings


def run(argv: Sequence[str]) -> int | None:
    """The exit code of a light command it answered, or None: not one it answers (nothing was printed)."""
    parsed = _parse(list(argv))
    if parsed is None:
        return None
    command, status, as_json = parsed
    try:
        path = lite.plain_sqlite_file(_settings().resolved_database_url)
        if path is None:
            return None
        refusal = lite.missing_database_message(path) if not path.exists() else None
        show: Callable[[], None] | None = None
        if refusal is None:
            with lite.open_current(path) as conn:
                if conn is None:
                    return None
                show = _read(conn, command, path, status=status, as_json=as_json)
    except KeyboardInterrupt:
        return _interrupted()
    except Exception:  # whatever it is, the typer command reports it the way it always has
        return None
    try:  # no going back to typer from here: something may have been printed
        if show is None:
            print_error(refusal or "")  # what every command but init and run says (engine.require_existing)
            return 1
        show()
        return 0
    except KeyboardInterrupt:
        return _interrupted()


def _interrupted() -> int:
    print_error("interrupted; rerun the command to continue where it stopped")  # as cli.common.clean_errors
    return 1


def _parse(argv: list[str]) -> tuple[str, str | None, bool] | None:
    """(command, --status, --json) for the argument lists click would parse the same way; None otherwise."""
    if tuple(argv[:2]) not in LIGHT_COMMANDS:
        return None
    command, options = " ".join(argv[:2]), argv[2:]
    status: str | None = None
    as_json = False
    allowed = {"subscribers list": {"--status", "--json"}, "ingest status": {"--json"}}.get(command, set())
    while options:
        option = options.pop(0)
        name, equals, value = option.partition("=")
        if name not in allowed or (equals and name == "--json"):
            return None
        if name == "--json":
            as_json = True
            continue
        if not equals:
            if not options or options[0].startswith("-"):
                return None  # click's own message for a missing value
            value = options.pop(0)
        status = value
    return command, status, as_json


def _settings() -> HomeSettings | Settings:
    """The two settings from the environment; the full settings when it sets more."""
    home = HomeSettings.from_environ(os.environ)
    if home is not None:
        return home
    from paperwire.config import load_settings
    from paperwire.ingest import sources

    config = load_settings()
    sources.check_settings(config)
    return config


def _read(
    conn: sqlite3.Connection, command: str, path: Path, *, status: str | None, as_json: bool
) -> Callable[[], None]:
    """Everything the command reads, before anything is printed: what prints it."""
    if command == "papers count":
        count = lite.count_papers(conn)
        return lambda: print(count)
    if command == "subscribers list":
        rows = lite.all_subscribers(conn, status=status)
        return lambda: show_subscribers(rows, as_json=as_json)
    states = lite.all_states(conn)
    database = str(path.absolute())  # cli.common.database_description of an existing SQLite file
    return lambda: show_harvests(states, database, as_json=as_json)
