"""Command-line commands, one module per package they drive."""

import math

import click


def check_port(value: int | None, flag: str) -> None:
    """A port a server can listen on, or one line `Error: …` (not a traceback from bind)."""
    if value is not None and not 0 <= value <= 65535:
        raise click.ClickException(f"{flag} {value} is not a port number (0-65535)")


def check_seconds(value: float, flag: str, *, most: float = 366 * 86400) -> None:
    """A finite, non-negative period of at most a year, or one line `Error: …`."""
    if not (math.isfinite(value) and 0 <= value <= most):
        raise click.ClickException(f"{flag} {value} is not a number of seconds (0-{most:.0f})")
