"""RSS feeds crafted poll by poll on a local HTTP server, fetched by real `newsledger
fetch` processes: how the security tests play a sequence of publications."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tests.security.conftest import CraftedServer, newsledger

#: One poll: each source's items (a source missing from a poll serves an empty feed).
Poll = dict[str, list[dict[str, str]]]


def rss(items: list[dict[str, str]]) -> bytes:
    body = "".join(
        "<item>"
        + (f'<guid isPermaLink="false">{i["guid"]}</guid>' if "guid" in i else "")
        + f"<title>{i['title']}</title><link>{i['link']}</link>"
        f"<description>{i['text']}</description></item>"
        for i in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"<link>https://x.example/</link><description>d</description>{body}</channel></rss>"
    ).encode()


def item(guid: str | None, link: str, title: str, text: str) -> dict[str, str]:
    found = {"link": link, "title": title, "text": text}
    if guid is not None:
        found["guid"] = guid
    return found


def fetch_polls(tmp_path: Path, sources: Sequence[str], polls: Sequence[Poll]) -> Path:
    """Serve each poll's feeds in turn and run `newsledger fetch` after each, on a new
    SQLite log with feeds published to `tmp_path/public`; returns the configuration."""
    server = CraftedServer()
    try:
        urls = {name: server.serve(f"/{name}.rss", rss([])) for name in sources}
        config = tmp_path / "newsledger.toml"
        config.write_text(
            f'[store]\nurl = "sqlite:///{tmp_path}/n.db"\n\n'
            + "".join(
                f'[[sources]]\nid = "{n}"\nkind = "feed"\nurl = "{urls[n]}"\n\n' for n in sources
            )
            + f'[fetch]\nhost_gap = "0s"\n\n[feeds]\noutput_dir = "{tmp_path / "public"}"\n',
            encoding="utf-8",
        )
        for number, poll in enumerate(polls):
            for name in sources:
                server.serve(f"/{name}.rss", rss(poll.get(name, [])))
            ran = newsledger("fetch", config=config)
            assert ran.code == 0, (number, ran.err[-2000:])
    finally:
        server.close()
    return config
