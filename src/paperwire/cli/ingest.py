"""``paperwire ingest <source>``: harvest papers from a source, live or from recorded files.

Every source in the registry (``paperwire.ingest.sources``) is a command here: the arXiv ones and Hugging Face
have their own options below; any other registered source gets the plain command made at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from paperwire.cli.common import (
    CliError,
    FilesArg,
    JsonOpt,
    UrlOpt,
    clean_errors,
    database_description,
    err,
    open_database,
    parse_day,
    run_ingest,
    settings,
)
from paperwire.cli.output import show_harvests
from paperwire.core.clock import utcnow
from paperwire.db import harvest
from paperwire.ingest.sources import SOURCES, HarvestRun, PaperSource

if TYPE_CHECKING:
    from paperwire.core.records import Page
    from paperwire.ingest.pipeline import IngestReport, PageResult

app = typer.Typer(help="Harvest papers from a source (live, or recorded files given as arguments).")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="ingest")


@app.command("oai", help=SOURCES["oai"].help)
@clean_errors
def ingest_oai(
    files: FilesArg = None,
    url: UrlOpt = None,
    from_: Annotated[str | None, typer.Option("--from", help="Harvest records changed on/after YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="... and on/before YYYY-MM-DD.")] = None,
    set_: Annotated[str | None, typer.Option("--set", help="OAI set, e.g. cs or physics:hep-th.")] = None,
    prefix: Annotated[str, typer.Option("--prefix", "--metadata-prefix", help="arXiv, arXivRaw or oai_dc.")] = "arXiv",
    restart: Annotated[bool, typer.Option("--restart", help="Ignore saved state; start the range over.")] = False,
    as_json: JsonOpt = False,
) -> None:
    from paperwire.ingest import service
    from paperwire.ingest.http import PoliteClient

    if prefix not in {"arXiv", "arXivRaw", "oai_dc"}:
        raise CliError(f"unknown metadata prefix {prefix!r}: use arXiv, arXivRaw or oai_dc")
    config = settings()
    db = open_database(config)
    if files:
        run_ingest(
            "oai files",
            as_json,
            lambda on_page: service.ingest_oai_files(db, files, on_page=on_page),
            refresh=(db, config),
        )
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

    run_ingest("oai-pmh", as_json, harvest_live, refresh=(db, config))


@app.command("arxiv-api", help=SOURCES["arxiv-api"].help)
@clean_errors
def ingest_arxiv_api(
    files: FilesArg = None,
    ids: Annotated[list[str] | None, typer.Option("--id", help="arXiv id (repeatable).")] = None,
    query: Annotated[str | None, typer.Option("--query", help="arXiv API search_query, e.g. cat:cs.LG.")] = None,
    max_results: Annotated[int | None, typer.Option("--max-results", min=1, help="Stop after N results.")] = None,
    url: UrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    from paperwire.ingest import service

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
        refresh=(db, config),
    )


@app.command("rss", help=SOURCES["rss"].help)
@clean_errors
def ingest_rss(
    targets: Annotated[list[str], typer.Argument(help="Categories (cs.LG ...) or recorded feed files.")],
    url: UrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    from paperwire.ingest import service

    config = settings()
    db = open_database(config)
    paths = [Path(t) for t in targets if Path(t).suffix in {".xml", ".rss", ".rdf"} or Path(t).exists()]
    categories = [t for t in targets if Path(t) not in paths]
    if paths and categories:
        raise CliError("give either categories or files, not both")
    run_ingest(
        "rss",
        as_json,
        lambda on_page: service.ingest_rss(db, config, categories=categories, paths=paths, url=url, on_page=on_page),
        refresh=(db, config),
    )


@app.command("kaggle", help=SOURCES["kaggle"].help)
@clean_errors
def ingest_kaggle(
    file: Annotated[Path, typer.Argument(help="arxiv-metadata-oai-snapshot.json (or .gz), streamed.")],
    category: Annotated[list[str] | None, typer.Option("--category", help="Keep only C or a prefix (cs.*).")] = None,
    as_json: JsonOpt = False,
) -> None:
    from paperwire.ingest import service

    config = settings()
    db = open_database(config)
    run_ingest(
        "kaggle",
        as_json,
        lambda on_page: service.ingest_kaggle(db, config, file, categories=category or [], on_page=on_page),
        refresh=(db, config),
    )


@app.command("jsonl", help=SOURCES["jsonl"].help)
@clean_errors
def ingest_jsonl(
    files: Annotated[list[Path], typer.Argument(help="JSONL or CSV files (.gz accepted).")],
    date_: Annotated[str | None, typer.Option("--date", help="Announcement date for undated records.")] = None,
    as_json: JsonOpt = False,
) -> None:
    from paperwire.ingest import service

    config = settings()
    announced = parse_day(date_) if date_ else None
    db = open_database(config)
    run_ingest(
        "jsonl",
        as_json,
        lambda on_page: service.ingest_jsonl(db, config, files, announced=announced, on_page=on_page),
        refresh=(db, config),
    )


@app.command("hf-daily", help=SOURCES["hf-daily"].help)
@clean_errors
def ingest_hf_daily(
    files: FilesArg = None,
    date_: Annotated[str | None, typer.Option("--date", help="The day to fetch (YYYY-MM-DD).")] = None,
    url: UrlOpt = None,
    as_json: JsonOpt = False,
) -> None:
    from paperwire.ingest import service

    config = settings()
    day = parse_day(date_) if date_ else None
    db = open_database(config)
    run_ingest(
        "hf-daily",
        as_json,
        lambda on_page: service.ingest_hf_daily(db, config, paths=files or [], day=day, url=url, on_page=on_page),
        refresh=(db, config),
    )


@app.command("sample")
@clean_errors
def ingest_sample(as_json: JsonOpt = False) -> None:
    """The bundled sample (a few hundred real papers and three Hugging Face days)."""
    from paperwire.ingest import service

    config = settings()
    db = open_database(config)
    run_ingest(
        "sample", as_json, lambda on_page: service.load_sample(db, config, on_page=on_page), refresh=(db, config)
    )


@app.command("status")
@clean_errors
def ingest_status(as_json: JsonOpt = False) -> None:
    """Where each resumable harvest stands (and which database that is)."""
    config = settings()
    show_harvests(harvest.all_states(open_database(config)), database_description(config), as_json=as_json)


def add_plain_command(group: typer.Typer, source: PaperSource) -> None:
    """``paperwire ingest <name> [FILES] [--arg A] [--date D]``: recorded files, else the live harvest."""

    def command(
        files: FilesArg = None,
        argument: Annotated[str, typer.Option("--arg", help="The live harvest's argument.")] = "",
        date_: Annotated[str | None, typer.Option("--date", help="The day to harvest (YYYY-MM-DD).")] = None,
        as_json: JsonOpt = False,
    ) -> None:
        config = settings()
        db = open_database(config)
        if files and source.read_files:
            read = source.read_files
            run_ingest(source.name, as_json, lambda on_page: read(db, config, files, on_page), refresh=(db, config))
            return
        if source.harvest is None:
            raise CliError(f"{source.name} reads recorded files only: give one or more files")
        live = source.harvest
        day = parse_day(date_) if date_ else utcnow().date()
        run_ingest(
            source.name,
            as_json,
            lambda on_page: live(db, config, HarvestRun(argument, day, on_page)),
            refresh=(db, config),
        )

    group.command(source.name, help=source.help)(clean_errors(command))


for _source in SOURCES.values():
    if _source.name not in {c.name for c in app.registered_commands}:
        add_plain_command(app, _source)
