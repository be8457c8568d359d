"""The ``safeplace`` command line as a tree of its commands, for the tests that read all of them."""

from __future__ import annotations

import typer.main
from typer._click.core import Command
from typer.core import TyperGroup

from api.cli import app


def command_tree() -> dict[str, Command]:
    """Every command and group of ``safeplace`` by its path (``users end-devices``), asked for as
    the command line asks for them: some are loaded only then (``api.cli``)."""
    found: dict[str, Command] = {}
    pending: list[tuple[str, Command]] = [("", typer.main.get_command(app))]
    while pending:
        path, command = pending.pop()
        if path:
            found[path] = command
        if isinstance(command, TyperGroup):
            context = typer.Context(command)
            for name in command.list_commands(context):
                sub = command.get_command(context, name)
                assert sub is not None, name
                pending.append((f"{path} {name}".strip(), sub))
    return found
