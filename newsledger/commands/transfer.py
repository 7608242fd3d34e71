"""Commands that move the log in and out: `export` to JSON Lines, `import` into a new store."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import click

from newsledger.app import App
from newsledger.event_checks import check_event_data
from store import StoreError, export_lines, import_lines, sqlite_file


@click.command("export")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE")
@click.pass_obj
def export(app: App, output: Path | None) -> None:
    """Write the log as JSON Lines to stdout or FILE."""
    if output is None:
        _write_lines(sys.stdout, export_lines(app.store))
        return
    temporary = output.with_name(output.name + ".part")
    try:
        with temporary.open("w", encoding="utf-8", newline="\n") as handle:
            # The format line and the end line are not events.
            count = _write_lines(handle, export_lines(app.store)) - 2
        temporary.replace(output)
    except OSError as exc:  # a missing folder, no permission, a full disk
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None
    click.echo(f"exported {count} events to {output}", err=True)


def _write_lines(handle: IO[str], lines: Iterator[str]) -> int:
    count = 0
    for line in lines:
        handle.write(line)
        handle.write("\n")
        count += 1
    return count


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def import_command(app: App, file: Path) -> None:
    """Load an exported log into an empty store, verifying its hash chain."""
    created = _new_sqlite_file(app.settings.store_url)
    try:
        # utf-8-sig: an export opened and saved by a Windows editor starts with a byte-order
        # mark, which would make line 1 "not JSON". Only the file's start can hold one.
        with file.open(encoding="utf-8-sig", newline="\n") as handle:
            loaded = import_lines(app.store, handle, check=check_event_data)
    except (StoreError, UnicodeDecodeError) as exc:
        if created is not None:
            # A refused import leaves no database behind that it created: the next attempt
            # (or `run`) then starts from no file, as before this one.
            app.close()
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{created}{suffix}").unlink(missing_ok=True)
        if isinstance(exc, UnicodeDecodeError):
            raise click.ClickException(f"{file}: not UTF-8 text ({exc.reason})") from None
        raise
    if loaded.complete:
        click.echo(f"imported {loaded.events} events from {file}; hash chain and end line verified")
        return
    click.echo(
        f"imported {loaded.events} events from {file}; hash chain verified. The file has no"
        " format line and no end line (an export of format version 1): that no events are"
        " missing after the last cannot be checked; compare the count with the one"
        " `export` printed"
    )


def _new_sqlite_file(url: str) -> Path | None:
    """The SQLite file `url` names if it does not exist yet (the import would create it)."""
    file = sqlite_file(url)
    return file if file is not None and not file.exists() else None


COMMANDS: list[click.Command] = [export, import_command]
