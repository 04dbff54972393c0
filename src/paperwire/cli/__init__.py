"""The ``paperwire`` command: parse arguments, call the library, print. Nothing else lives here.

One module per command group; each registers itself on the root app below. Human output goes to stderr
(progress bars, summaries); ``--json`` output goes to stdout alone, so it can be piped. Domain errors end a
command with a one-line message and exit code 1.
"""

from __future__ import annotations

from typing import Annotated

import typer

from paperwire.cli import admin, ingest, mail, papers, search, server, trending
from paperwire.cli.common import database_description, settings

app = typer.Typer(
    help="paperwire: trending research papers, searchable, and in your inbox once a day.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if not value:
        return
    from paperwire import __version__

    print(f"paperwire {__version__}")
    print(f"database: {database_description(settings())}")
    raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option("--version", is_eager=True, callback=_print_version, help="Print the version and the database."),
    ] = False,
) -> None:
    """paperwire: trending research papers, searchable, and in your inbox once a day."""


app.add_typer(ingest.app, name="ingest")
app.add_typer(papers.app, name="papers")
papers.register(app)
server.register(app)
search.register(app)
trending.register(app)
mail.register(app)
admin.register(app)


def main() -> None:
    app()
