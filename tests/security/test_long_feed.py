"""Finding 11 (ingest side): a feed longer than a poll reads is cut at 2,000 entries, and
the cut is said, in the log and in the `SourceFetched` fact, not done silently. (2,500
entries show it as well as 100,000 and parse in a fraction of the time.)"""

from __future__ import annotations

import json
from pathlib import Path

from ingest.parse.feed import MAX_ENTRIES
from tests.security.conftest import CraftedServer, newsledger

ENTRIES = 2_500


def test_a_feed_longer_than_a_poll_reads_is_cut_and_the_cut_is_recorded(tmp_path: Path) -> None:
    items = "".join(
        f"<item><guid>g-{n}</guid><title>Tin {n}</title><link>https://x.example/{n}</link>"
        f"<description>Nội dung tin số {n}.</description></item>"
        for n in range(ENTRIES)
    )
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"<link>https://x.example/</link><description>d</description>{items}</channel></rss>"
    ).encode()
    server = CraftedServer()
    try:
        url = server.serve("/long.rss", body)
        config = tmp_path / "newsledger.toml"
        config.write_text(
            f'[store]\nurl = "sqlite:///{tmp_path}/n.db"\n\n'
            f'[[sources]]\nid = "long"\nkind = "feed"\nurl = "{url}"\n',
            encoding="utf-8",
        )
        fetched = newsledger("fetch", config=config)
    finally:
        server.close()
    assert fetched.code == 0, fetched.err[-2000:]
    assert f"the feed holds {ENTRIES} entries; only the first {MAX_ENTRIES} are read" in fetched.err
    events = [
        json.loads(x) for x in newsledger("events", "--json", config=config).out.split("\n") if x
    ]
    [fact] = [e["data"] for e in events if e["type"] == "SourceFetched"]
    assert fact["entries_skipped"] == ENTRIES - MAX_ENTRIES
    assert fact["items"] == MAX_ENTRIES
    assert sum(e["type"] == "ArticleIngested" for e in events) == MAX_ENTRIES
