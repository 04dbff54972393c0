"""The ``paperwire`` command: parse arguments, call the library, print. Nothing else lives here.

One module per command group; each adds its commands to a root app in its ``register(root)``. Human output
goes to stderr (progress bars, summaries); ``--json`` output goes to stdout alone, so it can be piped.
Domain errors end a command with a one-line message and exit code 1.

The command starts at once (issue 16): the root knows each command's name, module and help line from
``COMMANDS`` below and imports a module only when one of its commands runs, so ``paperwire --help`` imports
none of them, and ``paperwire papers count`` only ``cli.papers`` (whose heavy imports sit inside the commands
that need them). ``tests/cli/test_startup.py`` checks this table against what the modules register.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

if TYPE_CHECKING:  # typer vendors its own click (typer._click); its classes are what TyperGroup speaks
    from typer._click import Command, Context

# name -> (module under paperwire.cli, the help line `paperwire --help` shows), in the order shown.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("papers", "Create (or migrate) the database; with --sample, load the bundled sample papers."),
    "serve": ("server", "Serve the web site and JSON API (no scheduler: run that once, in `paperwire run` or cron)."),
    "run": (
        "server",
        "Initialise, load the bundled sample into an empty database, then serve the site and run the "
        "scheduler (harvest, index, trending, digests, sending) in one process: what `make run` does.",
    ),
    "search": ("search", "Hybrid search (keywords + meaning); exact arXiv ids and titles come first."),
    "similar": ("search", "Papers nearest in meaning to one paper (its other versions left out)."),
    "index": ("search", "Bring the search index up to date with the database (incremental; --rebuild starts over)."),
    "daily": ("mail", "The whole daily pipeline for cron/systemd: harvest → signals → index → trending → plan → send."),
    "backup": (
        "admin",
        "Copy the SQLite database while paperwire keeps running (SQLite's online backup). On PostgreSQL it "
        "prints the pg_dump command to use instead.",
    ),
    "ingest": ("ingest", "Harvest papers from a source (live, or recorded files given as arguments)."),
    "papers": ("papers", "Look at stored papers."),
    "trending": ("trending", "What is trending, and why."),
    "signals": ("trending", "Collect external signals (the registered collectors: GitHub stars)."),
    "subscribers": ("mail", "Manage digest subscribers (admin)."),
    "digest": ("mail", "Plan, send and preview the digest mail."),
    "worker": ("mail", "Background workers."),
    "bounces": ("mail", "Bounces and complaints from the mail system."),
    "admin": ("admin", "Administrators of the site."),
}


def registered(module_name: str) -> dict[str, Command]:
    """Every command a ``paperwire.cli`` module registers, as click commands by name."""
    module = importlib.import_module(f"paperwire.cli.{module_name}")
    scratch = typer.Typer()
    scratch.callback()(lambda: None)  # a group even when the module registers one command
    module.register(scratch)
    return dict(typer.main.get_group(scratch).commands)


class LazyRoot(TyperGroup):
    """The root group: help lines from ``COMMANDS``; a command's module is imported when it runs."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = {name: TyperCommand(name, help=text) for name, (_module, text) in COMMANDS.items()}

    def resolve_command(self, ctx: Context, args: list[str]) -> tuple[str | None, Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)  # unknown names fail here, with suggestions
        if name in COMMANDS:
            command = registered(COMMANDS[name][0])[name]
        return name, command, rest


app = typer.Typer(
    cls=LazyRoot,
    help="paperwire: trending research papers, searchable, and in your inbox once a day.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if not value:
        return
    from paperwire import __version__
    from paperwire.cli.common import database_description, settings

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


def main() -> None:
    app()
