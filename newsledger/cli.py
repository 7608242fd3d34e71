"""The `newsledger` command line: one group, commands registered from `newsledger.commands`."""

from __future__ import annotations

import sys
from typing import Any

import click

from feeds import FeedsError
from ingest import IngestError
from newsledger import __version__
from newsledger.allocator import fix_mmap_threshold
from newsledger.app import App
from newsledger.commands import feeds as feeds_commands
from newsledger.commands import ingest as ingest_commands
from newsledger.commands import store as store_commands
from newsledger.commands import stories as stories_commands
from newsledger.commands import topics as topics_commands
from newsledger.commands import transfer as transfer_commands
from newsledger.commands import worker as worker_commands
from newsledger.config import ConfigError
from newsledger.logs import configure_command_logging
from store import StoreError

#: Errors a person can fix: shown as one line, exit status 1, no traceback.
USER_ERRORS = (StoreError, ConfigError, IngestError, FeedsError)


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except USER_ERRORS as exc:
            raise click.ClickException(str(exc)) from exc
        finally:
            app = ctx.obj
            if isinstance(app, App):
                app.close()


@click.group(cls=_Group)
@click.option(
    "--config",
    "config_flag",
    metavar="PATH",
    help="Configuration file (default: $NEWSLEDGER_CONFIG, else ./newsledger.toml).",
)
@click.version_option(__version__, prog_name="newsledger")
@click.pass_context
def cli(ctx: click.Context, config_flag: str | None) -> None:
    """Event-sourced news ingestion with Atom feeds per topic."""
    configure_command_logging()
    ctx.obj = App(config_flag)


for module in (
    store_commands,
    transfer_commands,
    ingest_commands,
    feeds_commands,
    topics_commands,
    stories_commands,
    worker_commands,
):
    for command in module.COMMANDS:
        cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    fix_mmap_threshold()  # before any large feed is read (newsledger/allocator.py)
    cli.main(args=argv, prog_name="newsledger")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
