"""The real feed server (uvicorn in a thread) on a socket already bound by the test, so a
test knows its port before the configuration is written."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from feeds.config import FeedsConfig
from feeds.server import create_app, make_server


def bound_socket() -> tuple[socket.socket, int]:
    """A socket bound to a free port on 127.0.0.1; the port goes into the configuration."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock, int(sock.getsockname()[1])


@contextmanager
def serving(config: FeedsConfig, sock: socket.socket) -> Iterator[str]:
    """Serve `config`'s published files on `sock` until the block ends; yields the base URL."""
    server = make_server(config, create_app(config), log_level="warning")
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
