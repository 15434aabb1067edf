"""``nimble-tools serve``: the click command that starts the hosted server.

Importing this module needs nothing of the ``hosted`` extra: ``serve`` imports the server when run.
"""

from __future__ import annotations

import click

from nimble_tools.cli_support import CommandFailed

__all__ = ["serve"]


@click.command(
    "serve", add_help_option=False, context_settings={"ignore_unknown_options": True, "allow_extra_args": True}
)
@click.argument("arguments", nargs=-1, type=click.UNPROCESSED)
def serve(arguments: tuple[str, ...]) -> None:
    """A hosted MCP server for a team: OAuth, each person's own Nimble account (`serve --help`)."""
    try:  # the hosted package (the `hosted` extra) is imported only here, never by the core
        from nimble_tools_hosted.cli import serve as hosted
    except ImportError as exc:
        raise CommandFailed(f"The hosted server needs {exc.name}: pip install 'nimble-tools[hosted]'.") from None
    hosted.main(list(arguments), prog_name=click.get_current_context().command_path)
