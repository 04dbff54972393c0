"""The light commands without typer, pydantic or SQLAlchemy: ``papers count``, ``subscribers list [--status S]
[--json]``, ``ingest status [--json]``, ``--version`` (issue 16: ≤ 0.3 s; importing those three libraries
alone took ~0.5 s), and ``search QUERY [options]`` on a current index (issue 16: a cold search ≤ 1 s; it reads
the database through ``db.lite.SearchReads``, see ``search/reads.py``).

``run`` answers exactly these argument lists, on a plain SQLite file at the newest schema, and prints
through the same functions as the typer commands (``output.py``), so the output, the ``--json`` shapes, the
refusal of a missing database and the exit codes are the same. For anything else it returns None before
printing anything and ``paperwire.cli.main`` runs the typer root, which then does what it always did:
``--help``, an option it does not know, a malformed one, PostgreSQL, a database to migrate, settings that fail
validation, a database error, a search index behind the database (the typer command catches it up and says
so), a bad date or sort (``tests/cli/test_light_cli.py`` compares both paths).

Settings stay typed and validated: the ones it needs come from ``HomeSettings`` when the environment sets no
other paperwire setting (but plain strings no light command reads, ``core.home.UNCHECKED_STRINGS``);
otherwise the full ``Settings`` are built (and checked) as every command builds them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from paperwire.cli import LIGHT_COMMANDS
from paperwire.cli.output import (
    print_error,
    show_harvests,
    show_search,
    show_subscribers,
    show_version,
    sqlite_description,
)
from paperwire.core.home import HomeSettings
from paperwire.db import lite

if TYPE_CHECKING:
    import sqlite3

    from paperwire.config import Settings
    from paperwire.search.results import SearchResults


def run(argv: Sequence[str]) -> int | None:
    """The exit code of a light command it answered, or None: not one it answers (nothing was printed)."""
    if list(argv) == ["--version"]:
        return _version()
    if argv[:1] == ["search"]:
        search = _parse_search(list(argv[1:]))
        return None if search is None else _search(search)
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


def _version() -> int | None:
    """``paperwire --version`` (``root._print_version``), for a SQLite file."""
    from paperwire import __version__

    try:
        path = lite.plain_sqlite_file(_settings().resolved_database_url)
    except Exception:  # settings that fail validation: the typer root reports them
        return None
    if path is None:
        return None
    show_version(__version__, sqlite_description(path))
    return 0


# --- search ---------------------------------------------------------------------------------------------

# The options of ``cli.search.search`` as click parses them: name -> (field, takes a value).
_SEARCH_OPTIONS = {
    "--limit": ("limit", True),
    "-n": ("limit", True),
    "--category": ("category", True),
    "-c": ("category", True),
    "--since": ("since", True),
    "--until": ("until", True),
    "--sort": ("sort", True),
    "--has-code": ("has_code", False),
    "--no-code": ("has_code", False),
    "--json": ("as_json", False),
}
_LIMIT = re.compile(r"[0-9]{1,4}")
SORTS = ("relevance", "date")  # cli.search.search's


@dataclass(slots=True)
class _Search:
    query: str = ""
    limit: int = 10
    categories: list[str] = field(default_factory=list)
    since: date | None = None
    until: date | None = None
    has_code: bool | None = None
    sort: str = "relevance"
    as_json: bool = False


def _parse_search(args: list[str]) -> _Search | None:
    """The search for the argument lists click parses the same way and that ``cli.search.search`` accepts
    (one QUERY, options known and well formed, valid dates and sort); None for anything else."""
    search, queries = _Search(), []
    while args:
        arg = args.pop(0)
        if not arg.startswith("-") or arg == "-":
            queries.append(arg)
            continue
        name, equals, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name not in _SEARCH_OPTIONS:
            return None  # --help, --, -n5, an unknown option: click's own answer
        attribute, takes_value = _SEARCH_OPTIONS[name]
        if not takes_value:
            if equals:
                return None
            setattr(search, attribute, name != "--no-code")
            continue
        if not equals:
            if not args or args[0].startswith("-"):
                return None
            value = args.pop(0)
        if not _set_value(search, attribute, value):
            return None
    if len(queries) != 1:
        return None
    search.query = queries[0]
    return search


def _set_value(search: _Search, attribute: str, value: str) -> bool:
    """Set one option's value as click and the command would read it; False when either would refuse it."""
    if attribute == "limit":
        if not _LIMIT.fullmatch(value) or not 1 <= int(value) <= 1000:
            return False
        search.limit = int(value)
    elif attribute == "category":
        search.categories.append(value)
    elif attribute == "sort":
        if value not in SORTS:
            return False
        search.sort = value
    else:
        try:
            day = date.fromisoformat(value) if value else None  # cli.common.parse_day; "" is no date
        except ValueError:
            return False
        setattr(search, attribute, day)
    return True


def _search(search: _Search) -> int | None:
    """``cli.search.search`` on a current index: the same checks in the same order, the same output."""
    from paperwire.search.embedder import EmbedderError
    from paperwire.search.filters import SearchFilters
    from paperwire.search.query import QueryError
    from paperwire.search.service import SearchService

    filters = SearchFilters(
        categories=search.categories, since=search.since, until=search.until, has_code=search.has_code
    )
    results: SearchResults | None = None
    failure: str | None = None
    try:
        config = _settings()
        path = lite.plain_sqlite_file(config.resolved_database_url)
        if path is None:
            return None
        if not path.exists():
            print_error(lite.missing_database_message(path))
            return 1
        with lite.open_current(path) as conn:
            if conn is None:
                return None
            service = SearchService(config, reads=lite.SearchReads(conn))
            if not service.is_current():
                return None  # catching up writes: the typer command does it, with its progress bar and report
            try:
                results = service.search(search.query, filters, limit=search.limit, sort=search.sort)
            except (QueryError, EmbedderError) as exc:  # cli.search._search_errors
                failure = str(exc)
    except KeyboardInterrupt:
        return _interrupted()
    except Exception:  # whatever it is, the typer command reports it the way it always has
        return None
    try:
        if results is None:
            print_error(failure or "")
            return 1
        show_search(results, as_json=search.as_json)
        return 0
    except KeyboardInterrupt:
        return _interrupted()
