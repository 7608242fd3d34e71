"""Items to event data: the article facts ingest appends, in the shapes `newsfacts` declares."""

from __future__ import annotations

import logging
from datetime import datetime, tzinfo

from ingest.normalise.dates import Dated, choose
from ingest.normalise.items import Item
from newsfacts import ArticleContent, ArticleSightedData, timestamp

log = logging.getLogger(__name__)
#: Sources whose unreadable date was logged: once per source and process, not per item.
_UNREADABLE_LOGGED: set[str] = set()


def publication(item: Item, *, source_id: str, fetched: datetime, zone: tzinfo) -> Dated:
    """The item's publication time and where it came from; a date the source sent that
    could not be read is logged (once per source), never dropped silently."""
    dated, unreadable = choose(
        given=item.published,
        given_from=item.published_from or "feed",
        raw=item.published_raw,
        dateline=None,
        text=item.text,
        title=item.title,
        fetched=fetched,
        zone=zone,
    )
    if unreadable and source_id not in _UNREADABLE_LOGGED:
        _UNREADABLE_LOGGED.add(source_id)
        log.warning(
            "source %s: cannot use the date %r (unreadable, later than the fetch, or a"
            " placeholder); using the %s date (logged once per source)",
            source_id,
            item.published_raw or (item.published and item.published.isoformat()),
            dated.origin,
        )
    return dated


def article_data(
    item: Item,
    *,
    article_id: str,
    source_id: str,
    source_kind: str,
    fetched: datetime,
    version: int,
    zone: tzinfo,
) -> ArticleContent:
    """The data of `ArticleIngested` (version 1) and the content part of `ArticleRevised`."""
    dated = publication(item, source_id=source_id, fetched=fetched, zone=zone)
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
        "published": timestamp(dated.moment),
        "published_from": dated.origin,
        "fetched": timestamp(fetched),
        "extractor": item.extractor,
        "place": item.place,
        "author": item.author,
    }


def sighted_data(
    item: Item,
    *,
    article_id: str,
    source_id: str,
    source_kind: str,
    fetched: datetime,
    zone: tzinfo,
) -> ArticleSightedData:
    dated = publication(item, source_id=source_id, fetched=fetched, zone=zone)
    return {
        "article_id": article_id,
        "content_hash": item.content_hash,
        "source_id": source_id,
        "source_kind": source_kind,
        "url": item.url,
        "canonical_url": item.canonical_url,
        "title": item.title,
        "published": timestamp(dated.moment),
        "published_from": dated.origin,
        "fetched": timestamp(fetched),
    }
