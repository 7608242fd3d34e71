"""feedparser's own 2,106 test feeds, served over HTTP in one polling round: nothing crashes
and every stored article is valid UTF-8 NFC text with only sanitised markup."""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from ingest.errors import REASONS
from ingest.normalise.sanitise import sanitise
from store import EventStore
from tests.conftest import IN_CI
from tests.ingest.conftest import events, make_config

# shared/ sits beside the repository (on developers' machines and in CI's clean clone).
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "feedparser"
_HEADER = re.compile(r"^Header:\s+([^:]+):(.*)$", re.MULTILINE)
_WIDE = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00", "utf-16-le"),
    (b"\x00<", "utf-16-be"),
)
_UNSAFE_HTML = re.compile(
    r"<\s*(script|style|iframe|object|embed)\b|\son\w+\s*=|javascript:", re.IGNORECASE
)


def _headers(body: bytes) -> list[tuple[str, str]]:
    """The file's `Header:` lines, read in the encoding its first bytes show."""
    encoding = next((name for prefix, name in _WIDE if body.startswith(prefix)), "latin-1")
    text = body.decode(encoding, errors="replace")
    found = [(name.strip(), value.strip()) for name, value in _HEADER.findall(text)]
    if not any(name.lower() == "content-type" for name, _ in found):
        found.append(("Content-Type", "text/xml"))
    return found


def test_every_feedparser_corpus_file_is_polled_without_a_crash_and_stored_clean(
    sqlite_url: str, httpserver: HTTPServer, harness_factory: Any
) -> None:
    if not CORPUS.is_dir() and not IN_CI:
        pytest.skip(f"feedparser's test corpus is not at {CORPUS} (../shared beside the repo)")
    files = sorted(p for p in CORPUS.rglob("*.xml"))
    assert len(files) == 2106, f"expected feedparser's 2,106 test feeds under {CORPUS}"
    served = {f"/{p.relative_to(CORPUS).as_posix()}": p.read_bytes() for p in files}

    def handler(request: Request) -> Response:
        body = served[request.path]
        return Response(body, headers=_headers(body))

    httpserver.expect_request(re.compile(r"/.*")).respond_with_handler(handler)
    sources = [
        {"id": f"c{n}", "kind": "feed", "url": httpserver.url_for(path)}
        for n, path in enumerate(served)
    ]
    store = EventStore.open(sqlite_url)
    try:
        harness = harness_factory(store, make_config(sources, concurrency=16))
        reports = harness.round()
        assert len(reports) == 2106
        outcomes = {r.outcome for r in reports}
        assert "error" not in outcomes, [r for r in reports if r.outcome == "error"][:3]
        assert outcomes <= {"ok"} | {f"failed:{reason}" for reason in REASONS}
        # Most corpus files test feed-level elements and have no entries; the ~480 that do
        # share ~90 distinct texts (the sanitizer cases reduce to the same words), so the
        # rest are sightings of those articles.
        assert sum(1 for r in reports if r.items) > 450
        articles = events(store, "ArticleIngested", "ArticleRevised")
        sightings = events(store, "ArticleSighted")
        assert len(articles) > 80 and len(articles) + len(sightings) > 450
        for sighting in sightings:
            assert unicodedata.is_normalized("NFC", sighting.data["title"])
        for event in articles:
            data = event.data
            for field in (
                "title",
                "text",
                "html",
                "url",
                "canonical_url",
                "author",
                "place",
                "guid",
            ):
                value = data[field]
                if value is None:
                    continue
                value.encode("utf-8")  # no lone surrogates
                assert unicodedata.is_normalized("NFC", value), (field, value)
            assert data["title"] or data["text"]
            if data["html"] is not None:
                assert sanitise(data["html"]) == data["html"], data["html"]
                assert not _UNSAFE_HTML.search(data["html"]), data["html"]
            assert "<script" not in data["text"].lower() and "<script" not in data["title"].lower()
        # Polling the corpus again appends nothing new: dedup is stable on hostile input.
        head = store.head()
        again = harness.round()
        assert sum(r.events.get("ArticleIngested", 0) for r in again) == 0
        assert store.head() - head == sum(r.appended for r in again)
    finally:
        store.close()
