"""Items to event data: the article facts ingest appends, in the shapes `newsfacts` declares."""

from __future__ import annotations

from datetime import datetime

from ingest.normalise.items import Item
from newsfacts import ArticleContent, ArticleSightedData, maybe_timestamp, timestamp


def article_data(
    item: Item,
    *,
    article_id: str,
    source_id: str,
    source_kind: str,
    fetched: datetime,
    version: int,
) -> ArticleContent:
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
        "published": maybe_timestamp(item.published),
        "fetched": timestamp(fetched),
        "extractor": item.extractor,
        "place": item.place,
        "author": item.author,
    }


def sighted_data(
    item: Item, *, article_id: str, source_id: str, source_kind: str, fetched: datetime
) -> ArticleSightedData:
    return {
        "article_id": article_id,
        "content_hash": item.content_hash,
        "source_id": source_id,
        "source_kind": source_kind,
        "url": item.url,
        "canonical_url": item.canonical_url,
        "title": item.title,
        "published": maybe_timestamp(item.published),
        "fetched": timestamp(fetched),
    }
