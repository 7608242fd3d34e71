"""Finding 7: one slow host cannot stall every source. Twelve feeds of one host trickle a
byte a second; a healthy feed on another host and a folder source must still be polled
on time by a real worker process."""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.security.conftest import CraftedServer
from tests.worker.conftest import (
    FeedServer,
    news_item,
    now_utc,
    start_worker,
    worker_env,
)

TRICKLES, SECONDS = 12, 14


def _trickle(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.end_headers()
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>slow</title>'
    deadline = time.monotonic() + 60
    for byte in body:
        if time.monotonic() > deadline:
            return
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()
        time.sleep(1.0)


def test_a_healthy_feed_and_a_folder_are_polled_on_time_while_twelve_feeds_trickle(
    tmp_path: Path,
) -> None:
    slow = CraftedServer()
    healthy = FeedServer()
    for n in range(TRICKLES):
        slow.routes[f"/slow-{n}.rss"] = _trickle
    healthy.publish("ok", [news_item("ok", n, now=now_utc()) for n in range(3)])
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("Hội đàm Việt – Lào\n\nNội dung bài.\n", encoding="utf-8")
    sources = "".join(
        f'[[sources]]\nid = "slow-{n}"\nkind = "feed"\nurl = "{slow.url(f"/slow-{n}.rss")}"\n'
        'interval = "1s"\n\n'
        for n in range(TRICKLES)
    )
    sources += (
        f'[[sources]]\nid = "ok"\nkind = "feed"\nurl = "{healthy.url("ok")}"\ninterval = "1s"\n\n'
    )
    sources += (
        f'[[sources]]\nid = "folder"\nkind = "folder"\npath = "{folder}"\ninterval = "1s"\n\n'
    )
    config = tmp_path / "newsledger.toml"
    config.write_text(
        f'[store]\nurl = "sqlite:///{tmp_path}/n.db"\n\n{sources}'
        '[fetch]\nhost_gap = "0s"\ntimeout = "60s"\n\n'
        '[worker]\njitter = "0s"\nstagger = "0s"\n',
        encoding="utf-8",
    )
    worker = start_worker(
        ["--config", str(config), "run", "--no-serve"], env=worker_env(), cwd=tmp_path
    )
    try:
        worker.wait_logged("worker started", timeout=60)
        time.sleep(3)  # every trickle has started and holds what it may
        before = healthy.requests.get("ok", 0)
        folder_polls = len(worker.logged("polled folder"))
        time.sleep(SECONDS)
        polled = healthy.requests.get("ok", 0) - before
        assert polled >= SECONDS // 2, f"the healthy feed was polled {polled} times in {SECONDS}s"
        assert len(worker.logged("polled folder")) - folder_polls >= SECONDS // 2
        in_flight = sum(slow.count(f"/slow-{n}.rss") for n in range(TRICKLES))
        assert in_flight <= 4, f"{in_flight} requests to the slow host"  # its share, no more
    finally:
        worker.stop()
        slow.close()
        healthy.close()
