"""Full text for feeds that carry only summaries: new entries replaced by the article on
their linked page, fetched within the same politeness limits as the feed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

from ingest.config import SourceConfig
from ingest.errors import FetchError
from ingest.fetch.fetcher import Fetcher, host_of
from ingest.fetch.politeness import HostGate
from ingest.normalise.items import Item
from ingest.parse.webpage import extract_page
from ingest.record.dedup import item_keys
from store import EventStore

log = logging.getLogger(__name__)

PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"

#: Runs blocking work in a thread within the poller's work slots.
Blocking = Callable[..., Awaitable[Any]]


class FullText:
    """Replaces entries not yet recorded by the article on their linked page."""

    def __init__(
        self,
        store: EventStore,
        fetcher: Fetcher,
        gate: HostGate,
        blocking: Blocking,
        *,
        limit: int,
    ) -> None:
        self.store = store
        self.fetcher = fetcher
        self.gate = gate
        self._blocking = blocking
        self.limit = limit

    async def fill(self, source: SourceConfig, items: Sequence[Item]) -> list[Item]:
        keys = {item_keys(source.id, item).seen: item for item in items}
        claimed = await self._blocking(self.store.claimed, keys)
        fresh = [i for k, i in keys.items() if k not in claimed and i.url][: self.limit]
        pages = await asyncio.gather(*(self._page_for(source, item) for item in fresh))
        better = {id(old): new for old, new in zip(fresh, pages, strict=True)}
        return [better.get(id(item), item) for item in items]

    async def _page_for(self, source: SourceConfig, entry: Item) -> Item:
        assert entry.url is not None
        try:
            async with self.gate.slot(host_of(entry.url)):
                result = await self.fetcher.fetch(entry.url, accept=PAGE_ACCEPT)
            if result.status != 200:
                raise FetchError("http_status", f"HTTP {result.status}", status=result.status)
            page: Item = await self._blocking(
                extract_page,
                result.body.take(),
                url=entry.url,
                content_type=result.content_type,
                language=entry.language,
                extractor="feedparser+trafilatura",
            )
        except FetchError as exc:
            log.warning(
                "source %s: full text of %s unavailable (%s); keeping the feed entry",
                source.id,
                entry.url,
                exc.message,
            )
            return entry
        return replace(
            page,
            url=entry.url,
            canonical_url=entry.canonical_url,
            guid=entry.guid,
            title=page.title or entry.title,
            published=entry.published or page.published,
            language=entry.language or page.language,
            author=page.author or entry.author,
            origin_hash=entry.content_hash,
        )
