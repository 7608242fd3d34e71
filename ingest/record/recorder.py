"""Records a poll's items in chunks, race-free through the store's unique keys: a chunk
that lost a race is decided again from the new state."""

from __future__ import annotations

import logging
from collections import Counter, OrderedDict
from collections.abc import Mapping, Sequence
from datetime import datetime

from ingest.normalise.items import Item
from ingest.record.chunk import Article, Chunk, SourceRef
from ingest.record.dedup import ItemKeys, ambiguous_urls, item_keys, revision_identity
from newsfacts import (
    ARTICLE_INGESTED,
    ARTICLE_REVISED,
    ARTICLE_SIGHTED,
    CONTENT_TYPES,
    ArticleContent,
    ArticleSightedData,
    article_of_stream,
    article_stream,
)
from store import ConcurrencyError, DuplicateKeyError, EventStore

log = logging.getLogger(__name__)

#: Items appended per transaction: large enough to amortise a commit, small enough that a
#: lost race only re-decides a few hundred items.
CHUNK = 500
#: ... and at most this many characters of text and HTML: the events of a chunk are held
#: as JSON until it commits, so 500 long articles would cost several times a feed's size
#: (issue 10, finding 4); one item longer than this is a chunk of its own.
CHUNK_CHARS = 250_000
_RETRIES = 6
#: Article ids remembered by the position of an event of theirs. A stored event never
#: changes, so the entry stays true; bounded so a long-running worker does not grow.
ARTICLE_CACHE = 200_000


__all__ = ["ArticleRecorder", "SourceRef"]


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
        consume: bool = False,
    ) -> Counter[str]:
        """Append the items' events in chunks; with `consume`, `items` (a list) is emptied
        at once and each chunk's items are freed as soon as it is appended.

        A poll's items are its largest objects, and encoding an event to JSON leaves a
        UTF-8 copy cached on each non-ASCII text: consumed, a 10 MB feed's items and those
        copies are never all held at once (issue 10, finding 4).
        """
        ambiguous = ambiguous_urls(items)
        if ambiguous:
            log.warning(
                "source %s: %d GUIDs or links are shared by different items; no revisions by them",
                source.id,
                len(ambiguous),
            )
        keyed = [
            (item, item_keys(source.id, item, claim_url=revision_identity(item) not in ambiguous))
            for item in items
        ]
        if consume and isinstance(items, list):
            items.clear()
        keyed.reverse()  # chunks are taken from the end, in order, and freed once appended
        counts: Counter[str] = Counter()
        while keyed:
            counts += self._record_chunk(source, _next_chunk(keyed), fetched, correlation_id)
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
        """Decide the chunk against the keys stored now, and append it in one transaction."""
        wanted = {k for _, keys in keyed for k in (keys.content, keys.seen, keys.url) if k}
        claimed = dict(self.store.claimed(wanted))
        # Only a known text can have been adopted, or replaced and restored (ingest/record/
        # dedup.py): further look-ups, for those alone.
        known = [keys for _, keys in keyed if keys.content in claimed]
        claimed.update(self.store.claimed(_version_keys(known, claimed, first=True)))
        claimed.update(self.store.claimed(_version_keys(known, claimed, first=False)))
        chunk = Chunk(
            source,
            claimed,
            fetched=fetched,
            correlation_id=correlation_id,
            article_at=self._article_id_at,
            load=self._load,
            is_claimed=lambda key: bool(self.store.claimed({key})),
        )
        for item, keys in keyed:
            chunk.add(item, keys)
        appends = chunk.appends()
        if appends:
            for append, positions in zip(appends, self.store.append_many(appends), strict=True):
                aid = article_of_stream(append.stream_id)
                for position in positions:
                    self._remember(position, aid)
        return chunk.counts

    def _load(self, article_id: str) -> Article:
        """Newest version, hash and content of a stored article, the sightings of that
        content, and its stream version."""
        events = self.store.read_stream(article_stream(article_id))
        version, content_hash = 1, ""
        hashes: list[str] = []
        content: ArticleContent | None = None
        sightings: list[ArticleSightedData] = []
        for event in events:
            if event.type in CONTENT_TYPES:
                content = (
                    ARTICLE_INGESTED.data(event)
                    if event.type == ARTICLE_INGESTED.name
                    else ARTICLE_REVISED.data(event)
                )
                version = int(content.get("version", 1))
                content_hash = content["content_hash"]
                hashes.append(content_hash)
            elif event.type == ARTICLE_SIGHTED.name:
                sightings.append(ARTICLE_SIGHTED.data(event))
        return Article(
            article_id,
            version,
            content_hash,
            events[-1].stream_version if events else 0,
            content=content,
            sightings=[s for s in sightings if s["content_hash"] == content_hash],
            earlier=set(hashes[:-1]),
        )


def _version_keys(
    known: Sequence[ItemKeys], claimed: Mapping[str, int], *, first: bool
) -> set[str]:
    """The keys to look up for items whose text is known: first whether another source
    adopted it and whether a revision of the same article replaced it; then, for a
    replaced text, whether it was restored already."""
    if first:
        return {keys.adopted for keys in known} | {
            keys.versions.replaced[0]
            for keys in known
            if keys.versions is not None and keys.url in claimed
        }
    return {
        keys.versions.restored
        for keys in known
        if keys.versions is not None and keys.versions.replaced[0] in claimed
    }


def _next_chunk(reversed_keyed: list[tuple[Item, ItemKeys]]) -> list[tuple[Item, ItemKeys]]:
    """The next run of items, taken off the end of the list, within CHUNK items and
    CHUNK_CHARS characters (at least one item)."""
    chunk: list[tuple[Item, ItemKeys]] = []
    chars = 0
    while reversed_keyed:
        item = reversed_keyed[-1][0]
        size = len(item.text) + len(item.html or "")
        if chunk and (len(chunk) == CHUNK or chars + size > CHUNK_CHARS):
            break
        chunk.append(reversed_keyed.pop())
        chars += size
    return chunk
