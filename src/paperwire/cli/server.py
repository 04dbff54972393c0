"""``paperwire serve`` and ``paperwire run``: the web site (and, with run, first-start setup)."""

from __future__ import annotations

from typing import Annotated

import typer

from paperwire.cli.common import clean_errors, err, open_database, run_ingest, settings
from paperwire.config import Settings, check_settings
from paperwire.db import papers
from paperwire.ingest import service
from paperwire.jobs import pipeline
from paperwire.logs import configure_logging
from paperwire.search import SearchService

HostOpt = Annotated[str | None, typer.Option("--host", help="Address to bind (default PAPERWIRE_HOST).")]
PortOpt = Annotated[int | None, typer.Option("--port", help="Port (default PAPERWIRE_PORT, 8000).")]


def register(root: typer.Typer) -> None:
    root.command()(serve)
    root.command()(run)


def _serve(
    config: Settings, host: str | None, port: int | None, *, with_scheduler: bool = False, workers: int = 1
) -> None:
    import uvicorn  # imported here: the other commands should not pay for the web stack

    from paperwire.web.app import create_app

    check_settings(config)  # before uvicorn: with --workers it would restart crashing workers forever
    configure_logging(json_lines=config.log_json, level=config.log_level)
    bind_host, bind_port = host or config.host, port or config.port
    err.print(f"paperwire is serving on http://{bind_host}:{bind_port}", highlight=False)
    log_level = config.log_level.lower()
    if workers > 1:  # separate processes: each builds its app from the environment (factory)
        uvicorn.run(
            "paperwire.web.app:app_from_environment",
            factory=True,
            host=bind_host,
            port=bind_port,
            workers=workers,
            log_level=log_level,
            log_config=None,
        )
        return
    app = create_app(config, with_scheduler=with_scheduler)
    uvicorn.run(app, host=bind_host, port=bind_port, log_level=log_level, log_config=None)


WorkersOpt = Annotated[int, typer.Option("--workers", min=1, max=32, help="Server processes (one per core).")]


@clean_errors
def serve(host: HostOpt = None, port: PortOpt = None, workers: WorkersOpt = 1) -> None:
    """Serve the web site and JSON API (no scheduler: run that once, in `paperwire run` or cron)."""
    config = settings()
    check_settings(config)  # the unsafe-settings message first, before any other complaint
    open_database(config)  # refuses a missing SQLite file: `paperwire init` or `run` creates it
    _serve(config, host, port, workers=workers)


@clean_errors
def run(host: HostOpt = None, port: PortOpt = None) -> None:
    """Initialise, load the bundled sample into an empty database, then serve the site and run the
    scheduler (harvest, index, trending, digests, sending) in one process: what `make run` does."""
    config = settings()
    check_settings(config)  # before loading anything
    db = open_database(config, create=True)
    if papers.count_papers(db, include_deleted=True) == 0:
        run_ingest("sample", False, lambda on_page: service.load_sample(db, config, on_page=on_page))
        err.print("building the search index and trending scores for the sample…")
        search = SearchService(config, db)
        pipeline.after_ingest(db, config, search)
    _serve(config, host, port, with_scheduler=True)
