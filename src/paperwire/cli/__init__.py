"""The ``paperwire`` command: parse arguments, call the library, print. Nothing else lives here.

One module per command group; each adds its commands to a root app in its ``register(root)``. Human output
goes to stderr (progress bars, summaries); ``--json`` output goes to stdout alone, so it can be piped.
Domain errors end a command with a one-line message and exit code 1.

The command starts at once (issue 16): the root knows each command's name, module and help line from
``COMMANDS`` below and imports a module only when one of its commands runs, so ``paperwire --help`` imports
none of them, and ``paperwire papers count`` only ``cli.papers`` (whose heavy imports sit inside the commands
that need them). ``tests/cli/test_startup.py`` checks this table against what the modules register.

The light commands (``papers count``, ``subscribers list``, ``ingest status``, ``--version``, and ``search``
on a current index) do not even start typer:
``main`` hands them to ``light.py`` first, which answers them with the standard library (and rich for what
goes to stderr), the same output, options and exit codes as the typer commands; anything else it does not
recognise (``--help``, an unknown option, PostgreSQL, a database to migrate) goes to the typer root
(``root.py``). This module imports neither typer nor the command modules.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from paperwire.cli.root import LazyRoot as LazyRoot
    from paperwire.cli.root import app as app
    from paperwire.cli.root import registered as registered

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


# The commands the light path answers (``light.py``); nothing else imports it.
LIGHT_COMMANDS = frozenset({("papers", "count"), ("subscribers", "list"), ("ingest", "status")})


def main() -> None:
    argv = sys.argv[1:]
    if tuple(argv[:2]) in LIGHT_COMMANDS or argv[:1] == ["search"] or argv == ["--version"]:
        from paperwire.cli import light

        code = light.run(argv)
        if code is not None:
            sys.exit(code)
    from paperwire.cli.root import app

    app()


def __getattr__(name: str) -> Any:
    """``paperwire.cli.app`` (and ``registered``, ``LazyRoot``), from ``root.py`` when first asked for."""
    if name in {"app", "registered", "LazyRoot"}:
        from paperwire.cli import root

        return getattr(root, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
