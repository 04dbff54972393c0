"""The typer root of ``paperwire``: every command, its module imported when the command runs.

``paperwire.cli.main`` comes here for everything the light path (``light.py``) does not answer.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from paperwire.cli import COMMANDS

if TYPE_CHECKING:  # typer vendors its own click (typer._click); its classes are what TyperGroup speaks
    from typer._click import Command, Context


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
    from paperwire.cli.output import show_version

    show_version(__version__, database_description(settings()))
    raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option("--version", is_eager=True, callback=_print_version, help="Print the version and the database."),
    ] = False,
) -> None:
    """paperwire: trending research papers, searchable, and in your inbox once a day."""
