"""newsboat, a real feed reader, driven as a person's would be: subscribed through a URL
file, `newsboat -x reload`, and what it kept read from its cache (SQLite)."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path
from typing import Any


def reload(newsboat: str, tmp: Path, name: str, feed_urls: list[str], env: dict[str, str]) -> Path:
    """Subscribe to `feed_urls` and reload them into the cache named `name` (kept between
    calls with the same name, as a reader's is); returns the cache's path."""
    urls = tmp / f"urls-{name}"
    urls.write_text("".join(f"{u}\n" for u in feed_urls), encoding="utf-8")
    conf = tmp / "newsboat.conf"
    conf.write_text("", encoding="utf-8")
    cache = tmp / f"cache-{name}.db"
    result = subprocess.run(
        [newsboat, "-u", str(urls), "-c", str(cache), "-C", str(conf), "-x", "reload"],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode()
    return cache


def cached(cache: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows of newsboat's cache (`rss_feed`, `rss_item`: guid, title, url, content, unread)."""
    with sqlite3.connect(cache) as db:
        return list(db.execute(sql, params))
