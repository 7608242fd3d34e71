"""Source streams (`source-<source_id>`) and the facts a poll records in them.

Appended only for facts (see docs/events.md): a poll that brought articles, a recovery,
a failure, a permanent redirect, a move, a 410.
"""

from __future__ import annotations

from typing import Final, TypedDict

from newsfacts.declared import EventType, StreamIds

STREAMS: Final = StreamIds("a source", "source-")
#: `source-<id>`: the stream of one source.
source_stream = STREAMS.stream
#: The id of a source stream id (ValueError for another kind of stream).
source_of_stream = STREAMS.ident


class SourceFetchedData(TypedDict):
    source_id: str
    url: str
    status: int | None
    etag: str | None
    last_modified: str | None
    bytes: int
    latency_seconds: float
    items: int
    ingested: int
    revised: int
    sighted: int
    permanent_redirect: str | None
    fetched: str


class SourceFetchFailedData(TypedDict):
    source_id: str
    url: str
    reason: str
    message: str
    status: int | None
    failures: int
    retry_at: str
    fetched: str


class SourceMovedData(TypedDict):
    source_id: str
    from_url: str
    to_url: str
    status: int | None
    streak: int
    fetched: str


class SourceGoneData(TypedDict):
    source_id: str
    url: str
    status: int
    message: str
    fetched: str


SOURCE_FETCHED: Final = EventType[SourceFetchedData]("SourceFetched", 1)
SOURCE_FETCH_FAILED: Final = EventType[SourceFetchFailedData]("SourceFetchFailed", 1)
SOURCE_MOVED: Final = EventType[SourceMovedData]("SourceMoved", 1)
SOURCE_GONE: Final = EventType[SourceGoneData]("SourceGone", 1)

SOURCE_TYPES: Final = frozenset(
    t.name for t in (SOURCE_FETCHED, SOURCE_FETCH_FAILED, SOURCE_MOVED, SOURCE_GONE)
)
