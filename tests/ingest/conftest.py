"""Fixtures for ingest tests: configurations, a poller driven on its own event loop, and
real servers on 127.0.0.1 (pytest-httpserver, and a socket that accepts and never answers)."""

from __future__ import annotations

import asyncio
import socket
import threading
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from ingest.config import IngestConfig, parse_config
from ingest.poller import Poller
from ingest.projections import build_projections
from ingest.reports import PollReport
from store import EventStore, ProjectionRunner, RecordedEvent

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ingest"
T0 = datetime(2025, 5, 1, 8, 0, tzinfo=UTC)
_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def make_config(sources: list[dict[str, Any]], **fetch: Any) -> IngestConfig:
    """A configuration as a TOML file would give it; tests space requests 0 s apart."""
    # The test servers are on loopback: allow-list their host:port as an operator would,
    # so that their redirects and linked pages may be followed (tests/security covers
    # what happens without the allow-list).
    local = sorted(
        {
            f"{p.hostname}:{p.port}"
            for s in sources
            if s.get("url")
            for p in [urlsplit(s["url"])]
            if p.port
        }
    )
    settings = {
        "host_gap": "0s",
        "timeout": "5s",
        "backoff_base": "60s",
        "allow_private": local,
        **fetch,
    }
    raw = {"sources": sources, "fetch": settings}
    return parse_config(raw, file="test.toml", base_dir=FIXTURES)


def to_cp1258(text: str) -> bytes:
    """Vietnamese as windows-1258 writes it: base letters, tone marks as combining characters."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
        tones = "".join(c for c in parts if c in _TONES)
        out += base.encode("cp1258") + tones.encode("cp1258")
    return bytes(out)


def events(store: EventStore, *types: str) -> list[RecordedEvent]:
    return list(store.read_all(types=types or None))


class Harness:
    """A Poller on a private event loop, so synchronous tests can poll step by step."""

    def __init__(self, store: EventStore, config: IngestConfig, *, jitter: float = 0.5) -> None:
        self.store = store
        self.config = config
        self.loop = asyncio.new_event_loop()
        self.runner = ProjectionRunner(store, build_projections(config))
        self.poller = self.loop.run_until_complete(self._make(jitter))

    async def _make(self, jitter: float) -> Poller:
        return Poller(self.store, self.config, runner=self.runner, jitter=lambda: jitter)

    def poll(self, source_id: str, *, now: datetime = T0, force: bool = False) -> PollReport:
        source = self.config.source(source_id)
        assert source is not None
        return self.loop.run_until_complete(self.poller.poll_source(source, now=now, force=force))

    def round(self, *, now: datetime = T0, force: bool = False) -> list[PollReport]:
        return self.loop.run_until_complete(self.poller.poll_sources(now=now, force=force))

    def close(self) -> None:
        self.loop.run_until_complete(self.poller.aclose())
        self.loop.close()


@pytest.fixture
def harness_factory() -> Iterator[Any]:
    made: list[Harness] = []

    def make(store: EventStore, config: IngestConfig, **kwargs: Any) -> Harness:
        harness = Harness(store, config, **kwargs)
        made.append(harness)
        return harness

    yield make
    for harness in made:
        harness.close()


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A server that accepts connections and never answers: the fetch must time out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            held.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/feed.rss"
    finally:
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        listener.close()
