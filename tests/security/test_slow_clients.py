"""Finding 5: 400 connections that ask for a 5 MB feed and never read it must not inflate
the server: RSS under 300 MB throughout, and back within 50 MB of its start after."""

from __future__ import annotations

import gc
import time
import urllib.request
from pathlib import Path

from tests.security.conftest import serve
from tests.security.slowclients import hold, non_readers, rss_mb
from tests.worker.conftest import free_port, wait_for

CONNECTIONS, ROUNDS, FEED_BYTES = 400, 4, 5_000_000


def _big_feed(public: Path) -> bytes:
    entry = (
        "<entry><id>urn:uuid:{n:08d}-0000-4000-8000-000000000000</id><title>Tin {n}</title>"
        "<updated>2025-01-01T00:00:00Z</updated><content>{text}</content></entry>"
    )
    parts = ['<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">']
    size, n = 0, 0
    while size < FEED_BYTES:
        part = entry.format(n=n, text="Hợp tác Việt – Lào. " * 40)
        parts.append(part)
        size += len(part.encode())
        n += 1
    body = ("".join(parts) + "</feed>").encode()
    (public / "feeds").mkdir(parents=True)
    (public / "feeds" / "all.atom").write_bytes(body)
    (public / ".newsledger-manifest.json").write_text("{}")
    return body


def test_four_rounds_of_400_non_reading_clients_keep_the_server_small(tmp_path: Path) -> None:
    public = tmp_path / "public"
    body = _big_feed(public)
    port = free_port()
    config = tmp_path / "newsledger.toml"
    config.write_text(
        f'[store]\nurl = "sqlite:///{tmp_path}/n.db"\n[feeds]\noutput_dir = "{public}"\n',
        encoding="utf-8",
    )
    server = serve(config, port, "--no-publish", stderr=(tmp_path / "server.log").open("wb"))
    try:
        url = f"http://127.0.0.1:{port}/feeds/all.atom"
        wait_for(lambda: _get(url) == body, timeout=30, every=0.3)
        start = rss_mb(server.pid)
        samples: list[float] = []
        for _ in range(ROUNDS):
            clients = non_readers(port, "/feeds/all.atom", CONNECTIONS)
            assert len(clients) >= CONNECTIONS * 0.9
            hold(3, server.pid, samples)
            for client in clients:
                client.close()
            del clients
            gc.collect()
            hold(1, server.pid, samples)
        time.sleep(3)  # the server notices the closed connections
        after = rss_mb(server.pid)
        assert _get(url) == body  # still serving, the whole file
        print(f"RSS start {start:.0f} MB, peak {max(samples):.0f} MB, after {after:.0f} MB")
        assert max(samples) < 300, f"peak RSS {max(samples):.0f} MB"
        assert after - start < 50, f"RSS {start:.0f} MB before, {after:.0f} MB after"
        # Leaving readers are noticed, not written to thousands of times.
        log = (tmp_path / "server.log").read_text(errors="replace")
        assert "socket.send() raised" not in log and "Traceback" not in log, log[-2000:]
    finally:
        server.terminate()
        server.wait(10)


def _get(url: str) -> bytes | None:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return bytes(answer.read())
    except OSError:
        return None
