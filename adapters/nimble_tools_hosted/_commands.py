"""The hosted server's commands on the ``nimble-tools`` command line: a plugin (``register_commands``).

This is the entry point every registry loads, so it imports nothing heavy: the command (and click)
load when the command line asks for its commands, the server only when ``serve`` runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nimble_tools import hookimpl

if TYPE_CHECKING:
    import click

__all__ = ["register_commands"]


@hookimpl
def register_commands(cli: click.Group) -> None:
    """Add ``nimble-tools serve``."""
    from ._serve_command import serve

    cli.add_command(serve)
