"""One chunk of a poll's items decided and turned into article events, ready to append.

The decisions are those of a sequential read: each item sees the keys claimed by the
items before it in the chunk, as well as those already stored.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any, cast

from ingest.normalise.dates import DEFAULT_ZONE
from ingest.normalise.items import Item
from ingest.record.adoption import adopted_key, adoption, rewritten
from ingest.record.article_data import article_data, sighted_data
from ingest.record.dedup import Decision, ItemKeys, decide, version_keys
from newsfacts import (
    ARTICLE_INGESTED,
    ARTICLE_REVISED,
    ARTICLE_SIGHTED,
    ArticleContent,
    ArticleSightedData,
    article_stream,
)
from store import NewEvent, StreamAppend, uuid7

log = logging.getLogger(__name__)


def new_article_id() -> str:
    """A new article's id: a UUID whose first 48 bits are the time (version 7), like an
    event's. Every view keys its rows by article id (a story's members, its stories, the
    topics' articles and entries) and the log indexes `article-<id>` streams: random ids
    put each new row on another page of each of those indexes, so the write transaction
    that holds SQLite's one write lock grew with the store (39 ms for a thousand story
    members at 100,000 articles); ids that grow with time land at the indexes' ends (7.5-9.5
    ms; benchmarks/article_ids_bench.py, docs/stories.md). An id still says nothing the
    article's events do not: its first sighting's time is in them."""
    return str(uuid7())


@dataclass(frozen=True, slots=True)
class SourceRef:
    id: str
    kind: str
    #: The source's time zone: dates without an offset are read in it.
    zone: tzinfo = DEFAULT_ZONE


@dataclass(slots=True)
class Article:
    """What a chunk knows about an article stream it appends to."""

    article_id: str
    version: int  # newest content version (1 = as ingested)
    content_hash: str
    stream_version: int | None  # None: created in this chunk
    events: list[NewEvent] = field(default_factory=list)
    revised: bool = False
    loaded: bool = True  # version, hash and stream_version are known
    #: The newest content event's data, and the stored sightings of its text (in log
    #: order): what an adoption needs when the article is revised (ingest/record/adoption.py).
    content: ArticleContent | None = None
    sightings: list[ArticleSightedData] = field(default_factory=list)
    #: The hashes of its earlier versions: a text found among them was restored once.
    earlier: set[str] = field(default_factory=set)

    def expected_version(self) -> int | None:
        """A new stream must not exist yet; a revision must see the version it read; a
        sighting appends whatever came before it."""
        if self.revised:
            return self.stream_version or 0
        if self.loaded and self.stream_version is None:
            return 0
        return None


class Chunk:
    """The articles a chunk touches, and the events each gets.

    `claimed` maps each key to the stored position claiming it, or to the `Article` of this
    chunk that claimed it; `article_at(position)`, `load(article_id)` and
    `is_claimed(key)` read the store.
    """

    def __init__(
        self,
        source: SourceRef,
        claimed: Mapping[str, int],
        *,
        fetched: datetime,
        correlation_id: str,
        article_at: Callable[[int], str],
        load: Callable[[str], Article],
        is_claimed: Callable[[str], bool],
    ) -> None:
        self.source = source
        self.claimed: dict[str, Any] = dict(claimed)
        self.fetched = fetched
        self.meta = {"correlation_id": correlation_id}
        self.articles: dict[str, Article] = {}  # by article id, in first-touch order
        self.by_position: dict[int, Article] = {}
        self.counts: Counter[str] = Counter()
        self._article_at = article_at
        self._load = load
        self._is_claimed = is_claimed

    def add(self, item: Item, keys: ItemKeys) -> None:
        """Decide one item and add its event (if any) to its article."""
        decision = decide(keys, self.claimed)
        if decision is Decision.SKIP:
            return
        if decision is Decision.SIGHT:
            self._sight(item, keys)
            return
        article = (
            self._ingest(item, keys)
            if decision is Decision.INGEST
            else self._revise(item, keys, restore=decision is Decision.RESTORE)
        )
        self.claimed[keys.content] = article
        self.claimed[keys.seen] = article

    def appends(self) -> list[StreamAppend]:
        return [
            StreamAppend(
                article_stream(a.article_id), a.events, expected_version=a.expected_version()
            )
            for a in self.articles.values()
            if a.events
        ]

    def _sight(self, item: Item, keys: ItemKeys) -> None:
        # A text its first publisher rewrote belongs to the source that adopted it.
        article = self._known(self.claimed.get(keys.adopted) or self.claimed[keys.content])
        data = sighted_data(
            item,
            article_id=article.article_id,
            source_id=self.source.id,
            source_kind=self.source.kind,
            fetched=self.fetched,
            zone=self.source.zone,
        )
        article.events.append(ARTICLE_SIGHTED.new(data, metadata=self.meta, keys=(keys.seen,)))
        self.claimed[keys.seen] = article
        self.counts[ARTICLE_SIGHTED.name] += 1

    def _revise(self, item: Item, keys: ItemKeys, *, restore: bool = False) -> Article:
        assert keys.url is not None and keys.slot is not None
        article = self._known(self.claimed[keys.url], versioned=True)
        # The text it replaces is marked replaced, a second time if it had been restored,
        # so that the source can take an edit back once; a restore marks its text restored.
        replaced = version_keys(keys.slot, article.content_hash).replaced
        claims = (
            replaced[article.content_hash in article.earlier],
            *(
                # At a new link, its `seen` key too: polled again, it is no news.
                (keys.versions.restored, *(() if keys.seen in self.claimed else (keys.seen,)))
                if restore and keys.versions is not None
                else (keys.content, keys.seen)
            ),
        )
        self._adopt(article, item)
        data = self._content(item, article.article_id, article.version + 1)
        data["previous_hash"] = article.content_hash
        previous = article.content
        if data["published_from"] == "fetch" and previous and previous.get("published"):
            # An item that never said when it was published was published when first
            # seen: an edit moves its `updated`, not its publication (docs/feeds.md). A v1
            # event, upcast, does not say where its time came from: the fetch, then.
            data["published"] = previous["published"]
            data["published_from"] = previous.get("published_from") or "fetch"
        article.version += 1
        article.earlier.add(article.content_hash)
        article.content_hash = item.content_hash
        article.content, article.sightings = data, []
        article.revised = True
        article.events.append(ARTICLE_REVISED.new(data, metadata=self.meta, keys=claims))
        for key in claims:
            self.claimed[key] = article
        self.counts[ARTICLE_REVISED.name] += 1
        return article

    def _ingest(self, item: Item, keys: ItemKeys) -> Article:
        aid = new_article_id()
        article = Article(aid, 1, item.content_hash, None)
        self.articles[aid] = article
        new_keys = (keys.content, keys.seen) + ((keys.url,) if keys.url else ())
        data = self._content(item, aid, 1)
        article.content = data
        article.events.append(ARTICLE_INGESTED.new(data, metadata=self.meta, keys=new_keys))
        if keys.url:
            self.claimed[keys.url] = article
        self.counts[ARTICLE_INGESTED.name] += 1
        return article

    def _adopt(self, article: Article, revision: Item) -> None:
        """Before `article` is revised by `revision`: if that rewrites its text, the earliest
        other source that sighted the text publishes it as an article of its own
        (ingest/record/adoption.py)."""
        content = article.content
        if content is None or not rewritten(
            f"{content['title']} {content['text']}", f"{revision.title} {revision.text}"
        ):
            return
        pending = [
            cast(ArticleSightedData, e.data)
            for e in article.events
            if e.type == ARTICLE_SIGHTED.name
        ]
        aid = new_article_id()
        found = adoption(content, [*article.sightings, *pending], article_id=aid)
        key = adopted_key(article.content_hash)
        if found is None or key in self.claimed or self._is_claimed(key):
            return
        data, later = found
        adopter = Article(aid, 1, article.content_hash, None, content=data)
        self.articles[aid] = adopter
        meta = {**self.meta, "adopted_from": article.article_id}
        adopter.events.append(ARTICLE_INGESTED.new(data, metadata=meta, keys=(key,)))
        adopter.events.extend(ARTICLE_SIGHTED.new(s, metadata=meta) for s in later)
        # Not counted in this poll's events: they are another source's, said in the log.
        self.claimed[key] = adopter
        log.info(
            "source %s rewrote article %s; %s, which published its text too, keeps it as"
            " article %s",
            self.source.id,
            article.article_id,
            data["source_id"],
            aid,
        )

    def _content(self, item: Item, article_id: str, version: int) -> ArticleContent:
        return article_data(
            item,
            article_id=article_id,
            source_id=self.source.id,
            source_kind=self.source.kind,
            fetched=self.fetched,
            version=version,
            zone=self.source.zone,
        )

    def _known(self, holder: Any, *, versioned: bool = False) -> Article:
        """The article a claimed key points to: a stored position or one of this chunk.

        Only a revision needs the article's newest version (a read of its stream); a
        sighting needs just its id.
        """
        if isinstance(holder, Article):
            article = holder
        elif holder in self.by_position:
            article = self.by_position[holder]
        else:
            aid = self._article_at(holder)
            article = self.articles.setdefault(aid, Article(aid, 0, "", None, loaded=False))
            self.by_position[holder] = article
        if versioned and not article.loaded:
            stored = self._load(article.article_id)
            article.version, article.content_hash = stored.version, stored.content_hash
            article.stream_version, article.loaded = stored.stream_version, True
            article.content, article.sightings = stored.content, stored.sightings
            article.earlier = stored.earlier
        return article
