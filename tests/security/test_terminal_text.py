"""What a source sends is shown on the operator's terminal as text, never obeyed: rich read
`[/bogus]` in an HTTP reason phrase or an article's title as markup and raised (`fetch`,
`sources`, `status` and `events` failed, and kept failing while the message was the source's
last error), read `[blink red]` as a style, and escape sequences reached the terminal."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.security.conftest import CraftedServer, newsledger, write_config

REASON = "Oops [/bogus] \x1b]0;pwned\x07\x1b[2J [blink red]ALL GOOD[/]"
TITLE = "Vietnam Laos trade [/bogus] talks \u202e[bold]"
RSS = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>R</title>'
    "<link>http://r.example/</link><description>d</description>"
    f"<item><title>{TITLE}</title><link>http://r.example/1</link><guid>r1</guid>"
    "<description>Trade reached US$1.2 billion [/x] in 2025, officials said.</description>"
    "</item></channel></rss>"
).encode()


@pytest.fixture
def server() -> Iterator[CraftedServer]:
    crafted = CraftedServer()
    try:
        yield crafted
    finally:
        crafted.close()


def test_markup_and_escape_sequences_from_sources_are_printed_as_text(
    server: CraftedServer, tmp_path: Path
) -> None:
    def failing(handler: BaseHTTPRequestHandler) -> None:
        handler.wfile.write(
            b"HTTP/1.1 500 " + REASON.encode("latin-1") + b"\r\nContent-Length: 0\r\n\r\n"
        )

    server.routes["/down"] = failing
    feed = server.serve("/rss", RSS)
    sources = (
        f'[[sources]]\nid = "down"\nkind = "feed"\nurl = "{server.url("/down")}"\n'
        f'[[sources]]\nid = "news"\nkind = "feed"\nurl = "{feed}"\n'
    )
    config = write_config(tmp_path, store_url=f"sqlite:///{tmp_path}/n.db", extra=sources)
    for command in (["fetch"], ["sources"], ["status"], ["events"]):
        ran = newsledger(*command, config=config)
        assert ran.code == 0, (command, ran.err[-2000:])
        assert "Traceback" not in ran.err and "\x1b" not in ran.out + ran.err, command
        assert "\u202e" not in ran.out + ran.err, command  # a title's bidi override
    events = newsledger("events", config=config).out
    assert "[/bogus]" in events and "[bold]" in events  # shown as the source wrote it
    assert "\\u202e[bold]" in events
    shown = newsledger("sources", config=config).out
    assert "[/bogus]" in shown and "\\x1b" in shown  # the escape written, not sent
