"""A real reader: `newsledger serve` as a process, newsboat subscribed to every topic feed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from feeds.config import parse_config
from store import EventStore
from tests.conftest import require_tool
from tests.feeds.conftest import append_labelled, labelled
from tests.feeds.newsboat import cached, reload
from tests.support.network import free_port


def test_newsboat_reads_every_topic_feed_with_vietnamese_titles_intact(tmp_path: Path) -> None:
    newsboat = require_tool("newsboat", "newsboat")
    port = free_port()
    config_file = tmp_path / "newsledger.toml"
    config_file.write_text(
        '[store]\nurl = "sqlite:///store.db"\n'
        '[feeds]\noutput_dir = "public"\n'
        f'[serve]\nhost = "127.0.0.1"\nport = {port}\n',
        encoding="utf-8",
    )
    store = EventStore.open(f"sqlite:///{tmp_path}/store.db")
    append_labelled(store)
    store.close()
    env = {**os.environ, "HOME": str(tmp_path), "NEWSLEDGER_CONFIG": str(config_file)}
    env.pop("DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "newsledger.cli", "serve"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, server.communicate()[0].decode()
            assert time.monotonic() < deadline, "newsledger serve did not start"
            time.sleep(0.1)
        topics = parse_config({}, file="-", base_dir=tmp_path).topics
        every = _reload(
            newsboat, tmp_path, "every", [f"{base}/feeds/{t.id}.atom" for t in topics], env
        )
        single = {
            t.id: _reload(newsboat, tmp_path, t.id, [f"{base}/feeds/{t.id}.atom"], env)
            for t in topics
        }
    finally:
        server.terminate()
        server.wait(timeout=20)
    # newsboat keeps one item per entry id across feeds: together, the feeds hold every article.
    feeds, items = every
    assert feeds == {f"{base}/feeds/{t.id}.atom" for t in topics}
    everything = {a["title"] for a in labelled()}
    assert {title for _, title in items} == everything
    titles = {topic: {title for _, title in single[topic][1]} for topic in single}
    assert titles["all"] == everything
    meetings = {a["title"] for a in labelled() if "bilateral-meetings" in a["topics"]}
    assert meetings == titles["bilateral-meetings"]
    assert "Phó Chủ tịch Quốc hội tiếp Đại sứ Lào chào từ biệt" in titles["bilateral-meetings"]
    economic = {a["title"] for a in labelled() if "economic-figures" in a["topics"]}
    assert economic == titles["economic-figures"]
    assert "Kim ngạch thương mại Việt Nam - Lào đạt 476,8 triệu USD trong quý I" in economic


def _reload(
    newsboat: str, tmp: Path, name: str, feed_urls: list[str], env: dict[str, str]
) -> tuple[set[str], list[tuple[str, str]]]:
    """The feeds newsboat subscribed to, and each item's feed and title."""
    cache = reload(newsboat, tmp, name, feed_urls, env)
    feeds = {url for (url,) in cached(cache, "SELECT rssurl FROM rss_feed")}
    items = [(u, t) for u, t in cached(cache, "SELECT feedurl, title FROM rss_item")]
    return feeds, items
