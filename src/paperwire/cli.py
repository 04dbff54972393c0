"""The ``paperwire`` command: parse arguments, call the library, print. Nothing else lives here.

Human output goes to stderr (progress bars, summaries); ``--json`` output goes to stdout alone, so it can be
piped. Domain errors end the command with a one-line message and exit code 1.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from paperwire.config import Settings, load_settings
from paperwire.db import harvest, papers
from paperwire.db.engine import Database
from paperwire.db.migrate import upgrade
from paperwire.ingest import service
from paperwire.ingest.http import PoliteClient
from paperwire.ingest.pipeline import IngestReport, PageResult
from paperwire.ingest.records import Page, SourceError

app = typer.Typer(
    help="paperwire: trending research papers, searchable, and in your inbox once a day.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
ingest_app = typer.Typer(help="Harvest papers from a source (live, or recorded files given as arguments).")
papers_app = typer.Typer(help="Look at stored papers.")
app.add_typer(ingest_app, name="ingest")
app.add_typer(papers_app, name="papers")

err = Console(stderr=True)
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
        except (CliError, SourceError) as exc:
            _fail(str(exc))
        except OperationalError as exc:
            _fail(f"cannot use the database: {str(exc.orig).strip().splitlines()[0]}")
        except SQLAlchemyError as exc:
            _fail(f"database error: {str(exc).splitlines()[0]}")
        except KeyboardInterrupt:
            _fail("interrupted; rerun the command to continue where it stopped")

    return wrapper


def _fail(message: str) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=1)


def settings() -> Settings:
    return load_settings()


def open_database(config: Settings) -> Database:
    """The configured database, migrated to the newest schema (cheap when already up to date)."""
    db = Database(config.resolved_database_url)
    upgrade(db)
    return db


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, default=_json_default, ensure_ascii=False, indent=2) + "\n")


def _json_default(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


# --- progress --------------------------------------------------------------------------------------------


@contextmanager
def ingest_progress(description: str) -> Iterator[Callable[[Page, PageResult], None]]:
    """A progress bar fed page by page (records, or bytes of a file when the source reports them).

    It appears with the first stored page, so a command that fails up front prints only its error, and it
    is transient: the summary line that follows says what was done.
    """
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


def run_ingest(description: str, as_json: bool, work: Callable[..., IngestReport]) -> None:
    with ingest_progress(description) as on_page:
        report = work(on_page=on_page)
    report_ingest(report, as_json=as_json)


# --- commands --------------------------------------------------------------------------------------------

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]
FilesArg = Annotated[
    list[Path] | None, typer.Argument(help="Recorded files to read instead of the live source.")
]
UrlOpt = Annotated[str | None, typer.Option("--url", help="Endpoint to use instead of the default.")]


@app.command()
@clean_errors
def init(
    sample: Annotated[
        bool, typer.Option("--sample/--no-sample", help="Load the bundled sample papers.")
    ] = False,
) -> None:
    """Create (or migrate) the database; with --sample, load the bundled sample papers."""
    config = settings()
    db = open_database(config)
    err.print(f"database ready: {db.display_url}", highlight=False)
    if sample:
        run_ingest("sample", False, lambda on_page: service.load_sample(db, config, on_page=on_page))


@ingest_app.command("oai")
@clean_errors
def ingest_oai(
    files: FilesArg = None,
    url: UrlOpt = None,
    from_: Annotated[
        str | None, typer.Option("--from", help="Harvest records changed on/after YYYY-MM-DD.")
    ] = None,
    until: Annotated[str | None, typer.Option("--until", help="... and on/before YYYY-MM-DD.")] = None,
    set_: Annotated[str | None, typer.Option("--set", help="OAI set, e.g. cs or physics:hep-th.")] = None,
    prefix: Annotated[
        str, typer.Option("--prefix", "--metadata-prefix", help="arXiv, arXivRaw or oai_dc.")
    ] = "arXiv",
    restart: Annotated[
        bool, typer.Option("--restart", help="Ignore saved state; start the range over.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """arXiv OAI-PMH ListRecords (resumable: a rerun continues where a crash stopped)."""
    if prefix not in {"arXiv", "arXivRaw", "oai_dc"}:
        raise CliError(f"unknown metadata prefix {prefix!r}: use arXiv, arXivRaw or oai_dc")
    config = settings()
    db = open_database(config)
    if files:
        run_ingest("oai files", as_json, lambda on_page: service.ingest_oai_files(db, files, on_page=on_page))
        return

    def harvest_live(on_page: Callable[[Page, PageResult], None]) -> IngestReport:
        waits = lambda seconds, why: err.print(f"[yellow]waiting {seconds:.0f}s:[/] {why}")  # noqa: E731
        with PoliteClient(config, on_wait=waits) as client:
            return service.harvest_oai(
                db,
                config,
                client,
                url=url,
                metadata_prefix=prefix,
                from_=from_,
                until=until,
                set_=set_,
                restart=restart,
                on_page=on_page,
            )

    run_ingest("oai-pmh", as_json, harvest_live)


@ingest_app.command("arxiv-api")
@clean_errors
def ingest_arxiv_api(
    files: FilesArg = None,
    ids: Annotated[list[str] | None, typer.Option("--id", help="arXiv id (repeatable).")] = None,
    query: Annotated[
        str | None, typer.Option("--query", help="arXiv API search_query, e.g. cat:cs.LG.")
    ] = None,
    max_results: Annotated[
        int | None, typer.Option("--max-results", min=1, help="Stop after N results.")
    ] = None,
    url: UrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """arXiv API (Atom): by id list or a search query, paged, at most one request every 3 s."""
    config = settings()
    db = open_database(config)
    run_ingest(
        "arxiv-api",
        as_json,
        lambda on_page: service.ingest_arxiv_api(
            db,
            config,
            paths=files or [],
            ids=ids or [],
            query=query,
            max_results=max_results,
            url=url,
            on_page=on_page,
        ),
    )


@ingest_app.command("rss")
@clean_errors
def ingest_rss(
    targets: Annotated[list[str], typer.Argument(help="Categories (cs.LG ...) or recorded feed files.")],
    url: UrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """arXiv RSS new-submission feeds (rss.arxiv.org RSS 2.0, and the old RSS 1.0 format)."""
    config = settings()
    db = open_database(config)
    paths = [Path(t) for t in targets if Path(t).suffix in {".xml", ".rss", ".rdf"} or Path(t).exists()]
    categories = [t for t in targets if Path(t) not in paths]
    if paths and categories:
        raise CliError("give either categories or files, not both")
    run_ingest(
        "rss",
        as_json,
        lambda on_page: service.ingest_rss(
            db, config, categories=categories, paths=paths, url=url, on_page=on_page
        ),
    )


@ingest_app.command("kaggle")
@clean_errors
def ingest_kaggle(
    file: Annotated[Path, typer.Argument(help="arxiv-metadata-oai-snapshot.json (or .gz), streamed.")],
    category: Annotated[
        list[str] | None, typer.Option("--category", help="Keep only C or a prefix (cs.*).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """The Kaggle arXiv metadata snapshot (JSON lines), streamed with flat memory."""
    config = settings()
    db = open_database(config)
    run_ingest(
        "kaggle",
        as_json,
        lambda on_page: service.ingest_kaggle(db, config, file, categories=category or [], on_page=on_page),
    )


@ingest_app.command("jsonl")
@clean_errors
def ingest_jsonl(
    files: Annotated[list[Path], typer.Argument(help="JSONL or CSV files (.gz accepted).")],
    date_: Annotated[
        str | None, typer.Option("--date", help="Announcement date for undated records.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Plain JSONL / CSV: id, title, abstract (or summary), optional authors, categories, dates, code."""
    config = settings()
    announced = parse_day(date_) if date_ else None
    db = open_database(config)
    run_ingest(
        "jsonl",
        as_json,
        lambda on_page: service.ingest_jsonl(db, config, files, announced=announced, on_page=on_page),
    )


@ingest_app.command("hf-daily")
@clean_errors
def ingest_hf_daily(
    files: FilesArg = None,
    date_: Annotated[str | None, typer.Option("--date", help="The day to fetch (YYYY-MM-DD).")] = None,
    url: UrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Hugging Face daily papers: papers plus upvotes, GitHub stars and AI summaries."""
    config = settings()
    day = parse_day(date_) if date_ else None
    db = open_database(config)
    run_ingest(
        "hf-daily",
        as_json,
        lambda on_page: service.ingest_hf_daily(
            db, config, paths=files or [], day=day, url=url, on_page=on_page
        ),
    )


@ingest_app.command("sample")
@clean_errors
def ingest_sample(as_json: JsonOpt = False) -> None:
    """The bundled sample (a few hundred real papers and one Hugging Face day)."""
    config = settings()
    db = open_database(config)
    run_ingest("sample", as_json, lambda on_page: service.load_sample(db, config, on_page=on_page))


@ingest_app.command("status")
@clean_errors
def ingest_status(as_json: JsonOpt = False) -> None:
    """Where each resumable harvest stands."""
    db = open_database(settings())
    states = harvest.all_states(db)
    if as_json:
        print_json([dataclasses.asdict(s) for s in states])
        return
    if not states:
        err.print("no harvests yet")
    for s in states:
        err.print(
            f"{s.source}: {s.status}, {s.pages_done} pages, {s.records_done:,} records, "
            f"last datestamp {s.last_datestamp or '-'}" + (f", error: {s.error}" if s.error else ""),
            highlight=False,
        )


def parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CliError(f"not a date: {value!r} (use YYYY-MM-DD)") from None


@papers_app.command("count")
@clean_errors
def papers_count() -> None:
    """Print the number of stored (not deleted) papers."""
    print(papers.count_papers(open_database(settings())))


@papers_app.command("show")
@clean_errors
def papers_show(paper_id: Annotated[str, typer.Argument(metavar="ID")], as_json: JsonOpt = False) -> None:
    """Show one paper (an arXiv id with or without version, or an arxiv.org URL)."""
    from paperwire.ingest.normalize import split_arxiv_id

    db = open_database(settings())
    paper = papers.get_paper(db, split_arxiv_id(paper_id)[0])
    if paper is None:
        raise CliError(f"no paper {paper_id!r} in the database")
    if as_json:
        print_json(paper)
        return
    out = Console()
    out.print(f"[bold]{paper['title']}[/]", highlight=False)
    out.print(f"{paper['id']}v{paper['version'] or '?'} · {', '.join(paper['categories'])}", highlight=False)
    out.print(", ".join(paper["authors"]), highlight=False)
    out.print(
        f"submitted {paper['submitted_at'] or '-'} · updated {paper['updated_at'] or '-'}", highlight=False
    )
    for label in ("doi", "journal_ref", "comments", "license"):
        if paper[label]:
            out.print(f"{label}: {paper[label]}", highlight=False)
    if paper["code_links"]:
        out.print("code: " + " ".join(paper["code_links"]), highlight=False)
    out.print()
    out.print(paper["abstract"], highlight=False)


@app.command()
@clean_errors
def serve(
    host: Annotated[str | None, typer.Option("--host", help="Address to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (default 8000).")] = None,
) -> None:
    """Serve the web site and JSON API."""
    import uvicorn

    from paperwire.web.app import create_app

    config = settings()
    open_database(config)
    uvicorn.run(create_app(config), host=host or config.host, port=port or config.port, log_level="info")


@app.command()
@clean_errors
def run(
    host: Annotated[str | None, typer.Option("--host", help="Address to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (default 8000).")] = None,
) -> None:
    """Initialise, load the sample into an empty database, then serve the site (what `make run` does)."""
    config = settings()
    db = open_database(config)
    if papers.count_papers(db, include_deleted=True) == 0:
        run_ingest("sample", False, lambda on_page: service.load_sample(db, config, on_page=on_page))
    import uvicorn

    from paperwire.web.app import create_app

    err.print(f"paperwire is serving on http://{host or config.host}:{port or config.port}", highlight=False)
    uvicorn.run(create_app(config), host=host or config.host, port=port or config.port, log_level="info")


def main() -> None:
    app()
