"""``paperwire serve`` and ``paperwire run``: the web site (and, with run, first-start setup)."""

from __future__ import annotations

from typing import Annotated

import typer

from paperwire.cli.common import clean_errors, err, open_database, run_ingest, settings
from paperwire.config import Settings
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


def _serve(config: Settings, host: str | None, port: int | None, *, with_scheduler: bool = False) -> None:
    import uvicorn  # imported here: the other commands should not pay for the web stack

    from paperwire.web.app import create_app

    configure_logging(json_lines=config.log_json, level=config.log_level)
    bind_host, bind_port = host or config.host, port or config.port
    err.print(f"paperwire is serving on http://{bind_host}:{bind_port}", highlight=False)
    app = create_app(config, with_scheduler=with_scheduler)
    uvicorn.run(app, host=bind_host, port=bind_port, log_level=config.log_level.lower(), log_config=None)


@clean_errors
def serve(host: HostOpt = None, port: PortOpt = None) -> None:
    """Serve the web site and JSON API."""
    config = settings()
    open_database(config)
    _serve(config, host, port)


@clean_errors
def run(host: HostOpt = None, port: PortOpt = None) -> None:
    """Initialise, load the bundled sample into an empty database, then serve the site and run the
    scheduler (harvest, index, trending, digests, sending) in one process: what `make run` does."""
    config = settings()
    db = open_database(config)
    if papers.count_papers(db, include_deleted=True) == 0:
        run_ingest("sample", False, lambda on_page: service.load_sample(db, config, on_page=on_page))
        err.print("building the search index and trending scores for the sample…")
        search = SearchService(config, db)
        pipeline.after_ingest(db, config, search)
    _serve(config, host, port, with_scheduler=True)
