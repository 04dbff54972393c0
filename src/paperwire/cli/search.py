"""``paperwire search``, ``paperwire similar`` and ``paperwire index``: hybrid search from the terminal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from paperwire.cli.common import (
    CliError,
    JsonOpt,
    clean_errors,
    err,
    open_database,
    parse_day,
    print_json,
    settings,
)
from paperwire.cli.output import hit_json, show_hits, show_search
from paperwire.search import CatchUpReport, QueryError, SearchFilters, SearchService
from paperwire.search.embedder import EmbedderError
from paperwire.search.storage import IndexWriteError

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

LimitOpt = Annotated[int, typer.Option("--limit", "-n", min=1, max=1000, help="Number of results.")]


def register(root: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    root.command("search")(search)
    root.command("similar")(similar)
    root.command("index")(index)


@contextmanager
def _search_errors() -> Iterator[None]:
    """Search's own errors become the CLI's one-line messages."""
    try:
        yield
    except (QueryError, EmbedderError, IndexWriteError) as exc:
        raise CliError(str(exc)) from None


@contextmanager
def _index_progress(description: str) -> Iterator[Callable[[int, int], None]]:
    """A transient bar on stderr, shown from the first indexed batch (nothing when already up to date).

    The bar is built on that first batch: rich.progress costs ~40 ms to import, and a search of a current
    index (the usual cold `paperwire search`) never shows one."""
    bar: list[tuple[Progress, TaskID]] = []

    def on_progress(done: int, total: int) -> None:
        if not bar:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err,
                transient=True,
            )
            bar.append((progress, progress.add_task(description, total=None)))
            progress.start()
        progress, task = bar[0]
        progress.update(task, completed=done, total=total)

    try:
        yield on_progress
    finally:
        for progress, _task in bar:
            progress.stop()


def _service() -> SearchService:
    config = settings()
    return SearchService(config, open_database(config))


def _report(report: CatchUpReport | None, *, quiet_when_current: bool = False) -> None:
    if report is None or (quiet_when_current and report.changed == 0 and not report.busy):
        return
    if report.busy:
        err.print("[yellow]another process is updating the index; using what it has saved[/]")
        return
    err.print(
        f"[green]index:[/] {report.indexed:,} indexed, {report.removed:,} removed, "
        f"{report.embedded:,} embedded ({report.reused:,} stored vectors reused) in {report.seconds:.1f}s",
        highlight=False,
    )
    if report.pending:
        err.print(
            f"[yellow]{report.pending:,} papers are searched by keywords and the first-pass model only until the "
            "transformer embeds them[/] (run `paperwire index` again, or let `paperwire run` catch up)",
            highlight=False,
        )


@clean_errors
def index(
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Discard the index and build it again.")] = False,
    first_pass_only: Annotated[
        bool,
        typer.Option("--first-pass-only", help="Index with the fast first-pass model only (no transformer)."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Bring the search index up to date with the database (incremental; --rebuild starts over)."""
    service = _service()
    upgrade = 0 if first_pass_only else None
    with _search_errors(), _index_progress("indexing") as on_progress, _index_progress("upgrading") as on_upgrade:
        if rebuild:
            report = service.rebuild(on_progress, upgrade=upgrade, on_upgrade=on_upgrade)
        else:
            report = service.catch_up(on_progress, upgrade=upgrade, on_upgrade=on_upgrade)
    if as_json:
        print_json({**report.as_dict(), "documents": service.status().documents})
        return
    _report(report)
    err.print(f"{service.status().documents:,} papers searchable", highlight=False)


@clean_errors
def search(
    query: Annotated[str, typer.Argument(metavar="QUERY", help='Words, "a phrase", an arXiv id or a title.')],
    limit: LimitOpt = 10,
    category: Annotated[
        list[str] | None,
        typer.Option("--category", "-c", help="cs.LG, or a whole archive: cs.* (repeatable)."),
    ] = None,
    since: Annotated[str | None, typer.Option("--since", help="Announced on/after YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Announced on/before YYYY-MM-DD.")] = None,
    has_code: Annotated[
        bool | None, typer.Option("--has-code/--no-code", help="Only papers with (or without) code.")
    ] = None,
    sort: Annotated[str, typer.Option("--sort", help="relevance or date.")] = "relevance",
    as_json: JsonOpt = False,
) -> None:
    """Hybrid search (keywords + meaning); exact arXiv ids and titles come first."""
    filters = SearchFilters(
        categories=category or [],
        since=parse_day(since) if since else None,
        until=parse_day(until) if until else None,
        has_code=has_code,
    )
    if sort not in {"relevance", "date"}:
        raise CliError(f"unknown sort {sort!r}: use relevance or date")
    service = _service()
    with _search_errors():
        with _index_progress("indexing new papers") as on_progress:
            caught_up = service.catch_up_if_behind(on_progress)
        if not as_json:
            _report(caught_up, quiet_when_current=True)
        results = service.search(query, filters, limit=limit, sort=sort)
    show_search(results, as_json=as_json)


@clean_errors
def similar(
    paper_id: Annotated[str, typer.Argument(metavar="ID", help="arXiv id (any version) or arxiv.org URL.")],
    limit: LimitOpt = 10,
    as_json: JsonOpt = False,
) -> None:
    """Papers nearest in meaning to one paper (its other versions left out)."""
    service = _service()
    with _search_errors():
        with _index_progress("indexing new papers") as on_progress:
            service.catch_up_if_behind(on_progress)
        try:
            hits = service.similar(paper_id, limit=limit)
        except KeyError:
            raise CliError(f"no paper {paper_id!r} in the search index") from None
    if as_json:
        print_json([hit_json(hit) for hit in hits])
        return
    show_hits(hits)
