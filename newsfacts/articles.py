"""Article streams (`article-<article_id>`) and the three events they hold.

docs/events.md documents every field; the TypedDicts below are its declarations.
"""

from __future__ import annotations

from typing import Final, NotRequired, TypedDict

from newsfacts.declared import EventType, StreamIds

STREAMS: Final = StreamIds("an article", "article-")
#: `article-<id>`: the stream of one article.
article_stream = STREAMS.stream
#: The id of an article stream id (ValueError for another kind of stream).
article_of_stream = STREAMS.ident


class ArticleContent(TypedDict):
    """`ArticleIngested` v2; `ArticleRevised` v2 adds `previous_hash`. v2 added
    `published_from` (v1 events read back with it null: not recorded)."""

    article_id: str
    version: int
    content_hash: str
    source_id: str
    source_kind: str
    url: str | None
    canonical_url: str | None
    guid: str | None
    title: str
    text: str
    html: str | None
    language: str | None
    published: str | None
    published_from: str | None  # feed, page, dateline, body or fetch (newsfacts.DATE_ORIGINS)
    fetched: str
    extractor: str
    place: str | None
    author: str | None
    previous_hash: NotRequired[str]


class ArticleSightedData(TypedDict):
    """`ArticleSighted` v2: a known content hash at a new (source, URL); v2 added
    `published_from`."""

    article_id: str
    content_hash: str
    source_id: str
    source_kind: str
    url: str | None
    canonical_url: str | None
    title: str
    published: str | None
    published_from: str | None
    fetched: str


#: Where a publication date came from: the source's feed entry, the page's metadata, the
#: text's dateline, a date in the text, or (no date anywhere) the fetch time.
DATE_ORIGINS: Final = ("feed", "page", "dateline", "body", "fetch")

ARTICLE_INGESTED: Final = EventType[ArticleContent]("ArticleIngested", 2)
ARTICLE_REVISED: Final = EventType[ArticleContent]("ArticleRevised", 2)
ARTICLE_SIGHTED: Final = EventType[ArticleSightedData]("ArticleSighted", 2)

#: The events that carry an article's content (its first version and its revisions).
CONTENT_TYPES: Final = frozenset({ARTICLE_INGESTED.name, ARTICLE_REVISED.name})
#: Every event of an article stream.
ARTICLE_TYPES: Final = CONTENT_TYPES | {ARTICLE_SIGHTED.name}
