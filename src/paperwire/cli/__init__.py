"""The ``paperwire`` command: parse arguments, call the library, print. Nothing else lives here.

One module per command group; each registers itself on the root app below. Human output goes to stderr
(progress bars, summaries); ``--json`` output goes to stdout alone, so it can be piped. Domain errors end a
command with a one-line message and exit code 1.
"""

from __future__ import annotations

import typer

from paperwire.cli import admin, ingest, mail, papers, search, server, trending

app = typer.Typer(
    help="paperwire: trending research papers, searchable, and in your inbox once a day.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
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
