"""Slow readers for the serving tests: connections that ask for a file and never read it."""

from __future__ import annotations

import socket
import time
from pathlib import Path


def rss_mb(pid: int) -> float:
    """Resident memory of process `pid` in MB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


def non_readers(port: int, path: str, count: int) -> list[socket.socket]:
    """`count` connections that send one GET for `path` and then never read a byte."""
    opened = []
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
    for _ in range(count):
        sock = socket.socket()
        # A small receive window, as a slow mobile reader has: the server's data piles up
        # on its side of the connection.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(10)
        try:
            sock.connect(("127.0.0.1", port))
            sock.sendall(request)
        except OSError:
            sock.close()
            continue
        opened.append(sock)
    return opened


def hold(seconds: float, pid: int, samples: list[float]) -> None:
    """Sample the server's memory every 0.2 s for `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        samples.append(rss_mb(pid))
        time.sleep(0.2)
