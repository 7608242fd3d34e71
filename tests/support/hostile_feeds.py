"""Feeds at the size cap, in the shapes that cost the most memory to ingest (issue 10,
finding 4), and one real `newsledger fetch` of such a feed with its memory measured:
shared by tests/security and benchmarks/hostile_bench.py, so the benchmark measures what
the test checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
#: The default `[fetch] max_bytes` (and `max_decompressed_bytes`).
CAP = 10_000_000
#: Vietnamese: 2-3 bytes a character in UTF-8, 2 bytes a character as a Python str.
WORDS = "Hội đàm Việt Nam – Lào về hợp tác kinh tế, thương mại và đầu tư năm 2025. "
_HEAD = '<?xml version="1.0" encoding="utf-8"?>'
_CHANNEL = "<title>bench</title><link>https://x.example/</link><description>b</description>"


def words(size: int) -> str:
    """Vietnamese text of at most `size` UTF-8 bytes."""
    repeated = (WORDS * (size // len(WORDS) + 1)).encode()[:size]
    return repeated.decode("utf-8", errors="ignore")


def rss(items: list[tuple[str, str]], *, doctype: str = "", cdata: bool = False) -> bytes:
    """An RSS 2.0 document of (title, description) items; descriptions as CDATA or text."""
    wrap = "<![CDATA[{}]]>" if cdata else "{}"
    body = "".join(
        f"<item><title>{title}</title><guid>g-{n}</guid><link>https://x.example/{n}</link>"
        f"<description>{wrap.format(text)}</description></item>"
        for n, (title, text) in enumerate(items)
    )
    return f'{_HEAD}{doctype}<rss version="2.0"><channel>{_CHANNEL}{body}</channel></rss>'.encode()


def atom(entries: list[tuple[str, str]]) -> bytes:
    """An Atom 1.0 document of (title, HTML content) entries, the HTML escaped as Atom says."""
    body = "".join(
        f'<entry><title>{title}</title><id>urn:x:{n}</id><link href="https://x.example/{n}"/>'
        f"<updated>2026-11-30T08:00:00Z</updated><summary>{escape(title)}</summary>"
        f'<content type="html">{escape(html)}</content></entry>'
        for n, (title, html) in enumerate(entries)
    )
    return (
        f'{_HEAD}<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="vi"><title>bench</title>'
        f"<id>urn:x</id><updated>2026-11-30T08:00:00Z</updated>{body}</feed>"
    ).encode()


def at_size(size: int, count: int, build: Callable[[int], bytes]) -> bytes:
    """`build(n)` for the largest `n` (bytes of text in each of `count` items) whose
    document fits in `size` bytes: estimated from two builds, then searched near there."""
    empty = len(build(0))
    probe = max(1, (size - empty) // count // 2)
    per_byte = max(1.0, (len(build(probe)) - empty) / (probe * count))
    guess = int((size - empty) / (per_byte * count))
    low, high = max(0, guess - 256), guess + 256
    if len(build(low)) > size:
        low = 0
    while low < high:
        middle = (low + high + 1) // 2
        if len(build(middle)) <= size:
            low = middle
        else:
            high = middle - 1
    return build(low)


def _html(n: int, size: int) -> str:
    text = words(max(0, size - 120))
    half = len(text) // 2
    return (
        f"<p>{text[:half]}</p><p>{text[half:]} "
        f'<a href="https://x.example/{n}/more">Xem thêm</a></p>'
    )


SHAPES: dict[str, Callable[[int], bytes]] = {
    "2,000 small items (RSS)": lambda size: at_size(
        size, 2000, lambda n: rss([(f"Tin số {i}", words(n)) for i in range(2000)])
    ),
    "2,000 CDATA HTML items": lambda size: at_size(
        size, 2000, lambda n: rss([(f"Tin số {i}", _html(i, n)) for i in range(2000)], cdata=True)
    ),
    "2,000 Atom HTML entries": lambda size: at_size(
        size, 2000, lambda n: atom([(f"Tin số {i}", _html(i, n)) for i in range(2000)])
    ),
    "25 items of 400 KB": lambda size: at_size(
        size, 25, lambda n: rss([(f"Bài dài {i}", words(n)) for i in range(25)])
    ),
    "one huge item": lambda size: at_size(size, 1, lambda n: rss([("Một bài rất dài", words(n))])),
    "one huge title": lambda size: at_size(size, 1, lambda n: rss([(words(n), "Nội dung ngắn.")])),
}


def tiny() -> bytes:
    return rss([("Tin", WORDS)])


def entity_bomb(size: int = 1_000_000, references: int = 90) -> bytes:
    """One internal entity of `size` characters referenced `references` times."""
    doctype = f'<!DOCTYPE rss [<!ENTITY big "{"A" * size}">]>'
    return rss([("Bom thực thể", "&big;" * references)], doctype=doctype)


@dataclass(frozen=True)
class Ingested:
    """One `newsledger fetch` of one feed, in its own process."""

    peak_mb: float  # the process's peak RSS
    poll_growth_mb: float  # its RSS rise while it polled (fetch, parse, record)
    last_line: str  # the command's summary line
    config: Path
    returncode: int


def fetch_measured(body: bytes, workdir: Path, *, path: str = "/feed.rss") -> Ingested:
    """Serve `body` from a real HTTP server on 127.0.0.1 and ingest it with a real
    `newsledger fetch` (default caps) whose memory tests/security/peak.py measures."""
    from tests.security.conftest import CraftedServer

    server = CraftedServer()
    try:
        url = server.serve(path, body)
        workdir.mkdir(parents=True)
        config = workdir / "newsledger.toml"
        config.write_text(
            f'[store]\nurl = "sqlite:///{workdir}/n.db"\n\n'
            f'[[sources]]\nid = "hostile"\nkind = "feed"\nurl = "{url}"\n\n'
            f'[feeds]\noutput_dir = "{workdir / "public"}"\n',
            encoding="utf-8",
        )
        peak_file = workdir / "peak.json"
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLEDGER_")}
        env.pop("DATABASE_URL", None)
        env.update(NL_PEAK_FILE=str(peak_file), PYTHONPATH=str(REPO))
        done = subprocess.run(
            [sys.executable, "-m", "tests.security.peak", "--config", str(config), "fetch"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            cwd=REPO,
        )
        figures = json.loads(peak_file.read_text())
        last = (done.stdout.strip().splitlines() or [done.stderr.strip()[-200:]])[-1]
        return Ingested(
            figures["peak_mb"], figures["poll_growth_mb"], last, config, done.returncode
        )
    finally:
        server.close()
