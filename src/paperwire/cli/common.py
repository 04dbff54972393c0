"""What every command module shares: clean errors, settings, the database, JSON output, progress bars.

Every command imports this module, so it imports only what every command needs (settings, the database
handle); the ingest pipeline's types are for annotations only and progress bars are built when used.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, ParamSpec, TypeVar

import typer
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from paperwire.cli.output import print_error, sqlite_description, stderr_console
from paperwire.cli.output import print_json as print_json  # every command module imports it from here
from paperwire.config import ConfigurationError, Settings, load_settings
from paperwire.core.records import SourceError
from paperwire.db.engine import Database, MissingDatabase, display_url, require_existing, sqlite_file
from paperwire.db.migrate import upgrade
from paperwire.ingest import sources

if TYPE_CHECKING:
    from paperwire.core.records import Page
    from paperwire.ingest.pipeline import IngestReport, PageResult

err = stderr_console()
P = ParamSpec("P")
R = TypeVar("R")


class CliError(Exception):
    """A problem the user can fix; printed as one line."""


def clean_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn domain errors into one line on stderr and exit code 1 (never a traceback)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (CliError, SourceError, ConfigurationError, MissingDatabase) as exc:
            _fail(str(exc))
        except OperationalError as exc:
            _fail(f"cannot use the database: {str(exc.orig).strip().splitlines()[0]}")
        except SQLAlchemyError as exc:
            _fail(f"database error: {str(exc).splitlines()[0]}")
        except KeyboardInterrupt:
            _fail("interrupted; rerun the command to continue where it stopped")

    return wrapper


def _fail(message: str) -> NoReturn:
    print_error(message)
    raise typer.Exit(code=1)


def settings() -> Settings:
    """The settings from the environment; a source or collector name that is not registered is an error here."""
    config = load_settings()
    sources.check_settings(config)
    return config


def open_database(config: Settings, *, create: bool = False) -> Database:
    """The configured database, migrated to the newest schema (cheap when already up to date).

    Only ``create`` (``init`` and ``run``) may make a new SQLite file; every other command refuses a
    missing one with a message that says where it looked."""
    if not create:
        require_existing(config.resolved_database_url)
    db = Database(config.resolved_database_url)
    upgrade(db)
    return db


def database_description(config: Settings) -> str:
    """Which database the commands use, and whether a SQLite file is there yet."""
    url = config.resolved_database_url
    path = sqlite_file(url)
    if path is None:
        return display_url(url)
    return sqlite_description(path)


# --- progress --------------------------------------------------------------------------------------------


@contextmanager
def ingest_progress(description: str) -> Iterator[Callable[[Page, PageResult], None]]:
    """A progress bar fed page by page (records, or bytes of a file when the source reports them).

    It appears with the first stored page, so a command that fails up front prints only its error, and it
    is transient: the summary line that follows says what was done.
    """
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[stats]}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    task = progress.add_task(description, total=None, stats="")
    seen = {"records": 0, "new": 0}

    def on_page(page: Page, result: PageResult) -> None:
        if not progress.live.is_started:
            progress.start()
        seen["records"] += len(page.items)
        seen["new"] += result.counts.inserted
        completed = page.progress if page.progress is not None else seen["records"]
        stats = f"{seen['records']:,} records, {seen['new']:,} new"
        progress.update(task, total=page.total, completed=completed, stats=stats)

    try:
        yield on_page
    finally:
        progress.stop()


def report_ingest(report: IngestReport, *, as_json: bool) -> None:
    if as_json:
        print_json(report.as_dict())
        return
    for error in report.errors[:20]:
        err.print(f"[yellow]skipped[/] {error.id or '?'}: {error.reason}", highlight=False)
    if len(report.errors) > 20:
        err.print(f"[yellow]... and {len(report.errors) - 20} more skipped records[/]")
    c = report.counts
    err.print(
        f"[green]done:[/] {report.records_seen:,} records in {report.pages} page(s): {c.inserted:,} new, "
        f"{c.updated:,} updated, {c.unchanged:,} unchanged"
        + (f", {c.skipped:,} skipped" if c.skipped else "")
        + (f", {len(report.errors):,} unreadable" if report.errors else "")
        + (f", {report.signals_added:,} signals" if report.signals_added else ""),
        highlight=False,
    )


def run_ingest(
    description: str,
    as_json: bool,
    work: Callable[..., IngestReport],
    *,
    refresh: tuple[Database, Settings] | None = None,
) -> IngestReport:
    """Run an ingest with a progress bar and print its summary. With ``refresh``, trending scores are
    recomputed afterwards when anything changed (search indexes catch up on their own: the server, the
    scheduler, ``paperwire index`` and ``paperwire search`` do it)."""
    with ingest_progress(description) as on_page:
        report = work(on_page=on_page)
    if refresh and (report.counts.changed or report.signals_added):
        from paperwire import trending

        trending.refresh(*refresh)
    report_ingest(report, as_json=as_json)
    return report


def parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CliError(f"not a date: {value!r} (use YYYY-MM-DD)") from None


# --- shared options ---------------------------------------------------------------------------------

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]
FilesArg = Annotated[list[Path] | None, typer.Argument(help="Recorded files to read instead of the live source.")]
UrlOpt = Annotated[str | None, typer.Option("--url", help="Endpoint to use instead of the default.")]


def email_argument(raw: str) -> str:
    """A command's EMAIL argument, normalised as stored, or a one-line error."""
    from paperwire.mail.subscriptions import InvalidSubscription, normalise_email

    try:
        return normalise_email(raw)
    except InvalidSubscription as exc:
        raise CliError(str(exc)) from None
