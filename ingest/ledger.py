"""Turns dedup decisions into appended events, race-free through the store's unique keys."""

from __future__ import annotations

import logging
import uuid
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ingest.dedup import Decision, ItemKeys, ambiguous_urls, decide, item_keys
from ingest.events import article_data, sighted_data
from ingest.items import Item
from newsfacts import (
    ARTICLE_INGESTED,
    ARTICLE_REVISED,
    ARTICLE_SIGHTED,
    CONTENT_TYPES,
    article_of_stream,
    article_stream,
)
from store import ConcurrencyError, DuplicateKeyError, EventStore, NewEvent, StreamAppend

log = logging.getLogger(__name__)

#: Items appended per transaction: large enough to amortise a commit, small enough that a
#: lost race only re-decides a few hundred items.
CHUNK = 500
_RETRIES = 6
#: Article ids remembered by the position of an event of theirs. A stored event never
#: changes, so the entry stays true; bounded so a long-running worker does not grow.
ARTICLE_CACHE = 200_000


@dataclass(frozen=True, slots=True)
class SourceRef:
    id: str
    kind: str


@dataclass(slots=True)
class _Article:
    """What a chunk knows about an article stream it appends to."""

    article_id: str
    version: int  # newest content version (1 = as ingested)
    content_hash: str
    stream_version: int | None  # None: created in this chunk
    events: list[NewEvent] = field(default_factory=list)
    revised: bool = False
    loaded: bool = True  # version, hash and stream_version are known


class ArticleRecorder:
    """Records the items of one poll; returns how many events of each type it appended."""

    def __init__(self, store: EventStore) -> None:
        self.store = store
        # A sighting needs the article id behind a claimed key's position; most sightings
        # in a large poll point at articles this recorder appended a moment ago, so those
        # are answered here instead of by one `store.get` each.
        self._article_at: OrderedDict[int, str] = OrderedDict()

    def _remember(self, position: int, article_id: str) -> None:
        self._article_at[position] = article_id
        if len(self._article_at) > ARTICLE_CACHE:
            self._article_at.popitem(last=False)

    def _article_id_at(self, position: int) -> str:
        if (aid := self._article_at.get(position)) is not None:
            return aid
        event = self.store.get(position)
        if event is None:  # pragma: no cover - keys always point at stored events
            raise LookupError(f"claimed key points at missing event {position}")
        aid = str(event.data["article_id"])
        self._remember(position, aid)
        return aid

    def record(
        self,
        source: SourceRef,
        items: Sequence[Item],
        *,
        fetched: datetime,
        correlation_id: str,
    ) -> Counter[str]:
        ambiguous = ambiguous_urls(items)
        if ambiguous:
            log.warning(
                "source %s: %d URLs are shared by different items; not used for revisions",
                source.id,
                len(ambiguous),
            )
        keyed = [
            (item, item_keys(source.id, item, claim_url=item.canonical_url not in ambiguous))
            for item in items
        ]
        counts: Counter[str] = Counter()
        for start in range(0, len(keyed), CHUNK):
            counts += self._record_chunk(
                source, keyed[start : start + CHUNK], fetched, correlation_id
            )
        return counts

    def _record_chunk(
        self,
        source: SourceRef,
        keyed: Sequence[tuple[Item, ItemKeys]],
        fetched: datetime,
        correlation_id: str,
    ) -> Counter[str]:
        for _ in range(_RETRIES):
            try:
                return self._try_chunk(source, keyed, fetched, correlation_id)
            except (DuplicateKeyError, ConcurrencyError) as exc:
                # Another writer claimed a key (or revised an article) between our read and
                # our append; nothing of ours was stored, so decide again from the new state.
                log.info("source %s: lost a race (%s); deciding again", source.id, exc)
        if len(keyed) > 1:
            counts: Counter[str] = Counter()
            for pair in keyed:
                counts += self._record_chunk(source, [pair], fetched, correlation_id)
            return counts
        return self._try_chunk(source, keyed, fetched, correlation_id)

    def _try_chunk(
        self,
        source: SourceRef,
        keyed: Sequence[tuple[Item, ItemKeys]],
        fetched: datetime,
        correlation_id: str,
    ) -> Counter[str]:
        wanted = {k for _, keys in keyed for k in (keys.content, keys.seen, keys.url) if k}
        claimed: dict[str, Any] = dict(self.store.claimed(wanted))
        articles: dict[str, _Article] = {}  # by article id, in first-touch order
        by_position: dict[int, _Article] = {}
        counts: Counter[str] = Counter()
        meta = {"correlation_id": correlation_id}

        def known(holder: Any, *, versioned: bool = False) -> _Article:
            """The article a claimed key points to: a stored position or one of this chunk.

            Only a revision needs the article's newest version (a read of its stream); a
            sighting needs just its id.
            """
            if isinstance(holder, _Article):
                article = holder
            elif holder in by_position:
                article = by_position[holder]
            else:
                aid = self._article_id_at(holder)
                article = articles.setdefault(aid, _Article(aid, 0, "", None, loaded=False))
                by_position[holder] = article
            if versioned and not article.loaded:
                stored = self._load(article.article_id)
                article.version, article.content_hash = stored.version, stored.content_hash
                article.stream_version, article.loaded = stored.stream_version, True
            return article

        for item, keys in keyed:
            decision = decide(keys, claimed)
            if decision is Decision.SKIP:
                continue
            if decision is Decision.SIGHT:
                article = known(claimed[keys.content])
                article.events.append(
                    ARTICLE_SIGHTED.new(
                        sighted_data(
                            item,
                            article_id=article.article_id,
                            source_id=source.id,
                            source_kind=source.kind,
                            fetched=fetched,
                        ),
                        metadata=meta,
                        keys=(keys.seen,),
                    )
                )
                claimed[keys.seen] = article
                counts[ARTICLE_SIGHTED.name] += 1
                continue
            if decision is Decision.REVISE:
                assert keys.url is not None
                article = known(claimed[keys.url], versioned=True)
                data = article_data(
                    item,
                    article_id=article.article_id,
                    source_id=source.id,
                    source_kind=source.kind,
                    fetched=fetched,
                    version=article.version + 1,
                )
                data["previous_hash"] = article.content_hash
                article.version += 1
                article.content_hash = item.content_hash
                article.revised = True
                article.events.append(
                    ARTICLE_REVISED.new(data, metadata=meta, keys=(keys.content, keys.seen))
                )
                counts[ARTICLE_REVISED.name] += 1
            else:
                aid = str(uuid.uuid4())
                article = _Article(aid, 1, item.content_hash, None)
                articles[aid] = article
                new_keys = (keys.content, keys.seen) + ((keys.url,) if keys.url else ())
                data = article_data(
                    item,
                    article_id=aid,
                    source_id=source.id,
                    source_kind=source.kind,
                    fetched=fetched,
                    version=1,
                )
                article.events.append(ARTICLE_INGESTED.new(data, metadata=meta, keys=new_keys))
                if keys.url:
                    claimed[keys.url] = article
                counts[ARTICLE_INGESTED.name] += 1
            claimed[keys.content] = article
            claimed[keys.seen] = article

        appends = [
            StreamAppend(article_stream(a.article_id), a.events, expected_version=_expected(a))
            for a in articles.values()
            if a.events
        ]
        if appends:
            for append, positions in zip(appends, self.store.append_many(appends), strict=True):
                aid = article_of_stream(append.stream_id)
                for position in positions:
                    self._remember(position, aid)
        return counts

    def _load(self, article_id: str) -> _Article:
        """Newest version and hash of a stored article, and its stream version."""
        events = self.store.read_stream(article_stream(article_id))
        version, content_hash = 1, ""
        for event in events:
            if event.type in CONTENT_TYPES:
                version = int(event.data.get("version", 1))
                content_hash = str(event.data["content_hash"])
        return _Article(
            article_id, version, content_hash, events[-1].stream_version if events else 0
        )


def _expected(article: _Article) -> int | None:
    """A new stream must not exist yet; a revision must see the version it read; a
    sighting appends whatever came before it."""
    if article.revised:
        return article.stream_version or 0
    if article.loaded and article.stream_version is None:
        return 0
    return None
