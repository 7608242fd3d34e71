"""Command-line commands, one module per package they drive."""

import math
import socket

import click


def check_port(value: int | None, flag: str) -> None:
    """A port a server can listen on, or one line `Error: …` (not a traceback from bind)."""
    if value is not None and not 0 <= value <= 65535:
        raise click.ClickException(f"{flag} {value} is not a port number (0-65535)")


def check_seconds(value: float, flag: str, *, most: float = 366 * 86400) -> None:
    """A finite, non-negative period of at most a year, or one line `Error: …`."""
    if not (math.isfinite(value) and 0 <= value <= most):
        raise click.ClickException(f"{flag} {value} is not a number of seconds (0-{most:.0f})")


def check_listen(host: str, port: int) -> None:
    """That the address is free to listen on, or one line `Error: …`: uvicorn logged its
    own lines and exited with status 3 for a port in use."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
            probe.bind(address)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise click.ClickException(f"cannot listen on {host}:{port}: {reason}") from None


def check_after(value: int, flag: str) -> None:
    """A position in the log (0 to 2**63 - 1), or one line `Error: …`."""
    if not 0 <= value < 2**63:
        raise click.ClickException(f"{flag} {value} is not a log position (0 to 2^63-1)")
