"""The facts ingest appends: type names, stream ids, data shapes and their upcasters.

`docs/events.md` documents every field; `feeds` reads these by name from the log.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ingest.items import Item
from store import Upcasters

ARTICLE_INGESTED = "ArticleIngested"
ARTICLE_REVISED = "ArticleRevised"
ARTICLE_SIGHTED = "ArticleSighted"
SOURCE_FETCHED = "SourceFetched"
SOURCE_FETCH_FAILED = "SourceFetchFailed"
SOURCE_MOVED = "SourceMoved"
SOURCE_GONE = "SourceGone"

ARTICLE_TYPES = frozenset({ARTICLE_INGESTED, ARTICLE_REVISED, ARTICLE_SIGHTED})
SOURCE_TYPES = frozenset({SOURCE_FETCHED, SOURCE_FETCH_FAILED, SOURCE_MOVED, SOURCE_GONE})

#: The current schema version of every type; bump it together with an upcaster below.
SCHEMA_VERSIONS: Mapping[str, int] = dict.fromkeys(ARTICLE_TYPES | SOURCE_TYPES, 1)


def article_stream(article_id: str) -> str:
    return f"article-{article_id}"


def source_stream(source_id: str) -> str:
    return f"source-{source_id}"


def iso(moment: datetime | None) -> str | None:
    """The log's timestamp form for event data: UTC, seconds, `Z`."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def article_data(
    item: Item,
    *,
    article_id: str,
    source_id: str,
    source_kind: str,
    fetched: datetime,
    version: int,
) -> dict[str, Any]:
    """The data of `ArticleIngested` (version 1) and the content part of `ArticleRevised`."""
    return {
        "article_id": article_id,
        "version": version,
        "content_hash": item.content_hash,
        "source_id": source_id,
        "source_kind": source_kind,
        "url": item.url,
        "canonical_url": item.canonical_url,
        "guid": item.guid,
        "title": item.title,
        "text": item.text,
        "html": item.html,
        "language": item.language,
        "published": iso(item.published),
        "fetched": iso(fetched),
        "extractor": item.extractor,
        "place": item.place,
        "author": item.author,
    }


def sighted_data(
    item: Item, *, article_id: str, source_id: str, source_kind: str, fetched: datetime
) -> dict[str, Any]:
    return {
        "article_id": article_id,
        "content_hash": item.content_hash,
        "source_id": source_id,
        "source_kind": source_kind,
        "url": item.url,
        "canonical_url": item.canonical_url,
        "title": item.title,
        "published": iso(item.published),
        "fetched": iso(fetched),
    }


def register_upcasters(upcasters: Upcasters) -> None:
    """Register the steps that bring old event shapes up to `SCHEMA_VERSIONS`.

    Every type is still at version 1, so there is nothing to register yet; a future
    `ArticleIngested` v2 adds `upcasters.register(ARTICLE_INGESTED, 1, _ingested_v1_v2)`.
    """
    for event_type, version in SCHEMA_VERSIONS.items():
        if upcasters.current_version(event_type) > version:
            raise ValueError(f"{event_type} is upcast beyond its current version {version}")
