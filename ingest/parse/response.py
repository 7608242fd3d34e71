"""A fetched response as items: a feed's entries, or a page's one article."""

from __future__ import annotations

import logging

from ingest.config import SourceConfig
from ingest.fetch.fetcher import FetchResult
from ingest.normalise.items import Item
from ingest.parse.feed import MAX_ENTRIES, parse_feed
from ingest.parse.webpage import extract_page

# Under the poller's name: log filters (and tests) select a poll's lines by it.
log = logging.getLogger("ingest.poller")


def parse_response(source: SourceConfig, result: FetchResult) -> tuple[list[Item], int]:
    """The items of a fetched feed or page, and how many entries beyond `MAX_ENTRIES` (a
    feed longer than a poll reads) were not read."""
    if source.kind == "page":
        return [
            extract_page(
                result.body.take(),
                url=result.final_url,
                content_type=result.content_type,
                language=source.language,
            )
        ], 0
    parsed = parse_feed(
        result.body.take(),
        url=result.final_url,
        content_type=result.content_type,
        language=source.language,
        headline_rule=source.headline,
    )
    for warning in parsed.warnings:
        log.warning("source %s: %s", source.id, warning)
    return list(parsed.items), max(0, parsed.entries - MAX_ENTRIES)
