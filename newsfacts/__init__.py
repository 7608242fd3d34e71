"""The published language of newsledger: every event type `ingest` appends and `feeds`
reads, with its data's declared shape, its stream ids and its upcasters.

`ingest` and `feeds` import it (never each other); `store` never does, since the store
knows nothing of articles or sources. docs/events.md explains every field.
"""

from newsfacts.articles import (
    ARTICLE_INGESTED,
    ARTICLE_REVISED,
    ARTICLE_SIGHTED,
    ARTICLE_TYPES,
    CONTENT_TYPES,
    DATE_ORIGINS,
    ArticleContent,
    ArticleSightedData,
    article_of_stream,
    article_stream,
)
from newsfacts.declared import EventType
from newsfacts.sources import (
    SOURCE_FETCH_FAILED,
    SOURCE_FETCHED,
    SOURCE_GONE,
    SOURCE_MOVED,
    SOURCE_TYPES,
    SourceFetchedData,
    SourceFetchFailedData,
    SourceGoneData,
    SourceMovedData,
    source_of_stream,
    source_stream,
)
from newsfacts.times import (
    maybe_parse_timestamp,
    maybe_timestamp,
    normalise_timestamp,
    parse_timestamp,
    timestamp,
)
from newsfacts.upcasting import SCHEMA_VERSIONS, upcasters

__all__ = [
    "ARTICLE_INGESTED",
    "ARTICLE_REVISED",
    "ARTICLE_SIGHTED",
    "ARTICLE_TYPES",
    "CONTENT_TYPES",
    "DATE_ORIGINS",
    "SCHEMA_VERSIONS",
    "SOURCE_FETCHED",
    "SOURCE_FETCH_FAILED",
    "SOURCE_GONE",
    "SOURCE_MOVED",
    "SOURCE_TYPES",
    "ArticleContent",
    "ArticleSightedData",
    "EventType",
    "SourceFetchFailedData",
    "SourceFetchedData",
    "SourceGoneData",
    "SourceMovedData",
    "article_of_stream",
    "article_stream",
    "maybe_parse_timestamp",
    "maybe_timestamp",
    "normalise_timestamp",
    "parse_timestamp",
    "source_of_stream",
    "source_stream",
    "timestamp",
    "upcasters",
]
