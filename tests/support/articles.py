"""Article events shaped as docs/events.md says, for tests and benchmarks that fill a log
without fetching anything."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

from newsfacts import ARTICLE_INGESTED, ARTICLE_REVISED, ARTICLE_SIGHTED, ArticleContent
from store import NewEvent

START = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def article_uuid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"newsledger-test:{name}"))


def article_data(
    *,
    article_id: str,
    url: str,
    title: str,
    text: str,
    language: str | None,
    published: datetime | None,
    fetched: datetime,
    source_id: str,
    html: str | None = None,
    version: int = 1,
) -> ArticleContent:
    """The data of an ArticleIngested (version 1) or ArticleRevised event."""
    data: ArticleContent = {
        "article_id": article_id,
        "version": version,
        "content_hash": hashlib.sha256(f"{title}\n{text}".encode()).hexdigest(),
        "source_id": source_id,
        "source_kind": "feed",
        "url": url,
        "canonical_url": url,
        "guid": url,
        "title": title,
        "text": text,
        "html": html,
        "language": language,
        "published": iso(published) if published is not None else None,
        "published_from": "feed" if published is not None else None,
        "fetched": iso(fetched),
        "extractor": "feedparser",
        "place": None,
        "author": None,
    }
    if version > 1:
        data["previous_hash"] = "0" * 64
    return data


def ingested(
    name: str,
    *,
    title: str,
    text: str,
    language: str | None = "vi",
    n: int = 0,
    source_id: str = "baodientu",
    html: str | None = None,
    version: int = 1,
    published: bool = True,
) -> NewEvent:
    """An ArticleIngested (or, with version > 1, ArticleRevised) event for article `name`."""
    data = article_data(
        article_id=article_uuid(name),
        url=f"https://news.example.vn/{name}.html",
        title=title,
        text=text,
        language=language,
        published=START + timedelta(hours=n) if published else None,
        fetched=START + timedelta(hours=n, minutes=5 + version),
        source_id=source_id,
        html=html,
        version=version,
    )
    kind = ARTICLE_INGESTED if version == 1 else ARTICLE_REVISED
    return kind.new(data, metadata={"correlation_id": str(uuid.uuid4())})


def sighted(name: str, *, source_id: str, n: int = 0) -> NewEvent:
    url = f"https://other.example.la/{name}"
    return ARTICLE_SIGHTED.new(
        {
            "article_id": article_uuid(name),
            "content_hash": "f" * 64,
            "source_id": source_id,
            "source_kind": "feed",
            "url": url,
            "canonical_url": url,
            "title": "as given elsewhere",
            "published": None,
            "published_from": None,
            "fetched": iso(START + timedelta(hours=n, minutes=30)),
        },
        metadata={},
    )
