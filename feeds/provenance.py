"""An article's provenance from the log: the rows the projection keeps of every event of an
article's stream, and the article page's view of them (first sight, sightings, revisions
with a readable diff, event ids and hashes)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Row, Select, Table, select

from feeds.articles import plain_text
from feeds.bulk import chunks
from feeds.diffs import word_diff
from feeds.figure_rows import FigureRow, figure_row
from newsfacts import ARTICLE_INGESTED, ARTICLE_REVISED, ARTICLE_SIGHTED, CONTENT_TYPES
from newsfacts import normalise_timestamp as _iso
from store import RecordedEvent

Tables = Mapping[str, Table]

#: Where a date can come from (the `published_from` field of article events).
DATE_ORIGINS = {
    "feed": "from the feed",
    "page": "from the page's metadata",
    "dateline": "from the dateline",
    "body": "inferred from the text",
    "fetch": "fetch time: the source gave no date",
}


#: The columns of an `article_events` row, in the order `event_row` gives them.
EVENT_COLUMNS = (
    "article_id", "position", "event_id", "type", "hash", "recorded_at", "version",
    "source_id", "source_kind", "url", "content_hash", "previous_hash", "title",
    "previous_text", "published", "fetched", "dates",
)  # fmt: skip


def event_row(event: RecordedEvent, *, previous_text: str | None = None) -> tuple[Any, ...]:
    """What the article page needs of one ArticleIngested/Revised/Sighted event, in
    `EVENT_COLUMNS` order; a revision also keeps `previous_text`, the title and text it
    replaced (the view keeps only the newest text, and a page diffs each version against
    the one before)."""
    data = event.data
    article = event.type in CONTENT_TYPES
    moment = event.recorded_at
    return (
        str(data["article_id"]),
        event.position,
        str(event.event_id),
        event.type,
        event.hash,
        _recorded_at(moment, moment.utcoffset()),
        int(data.get("version") or 1) if article else None,
        str(data.get("source_id") or ""),
        plain_text(data.get("source_kind")),
        plain_text(data.get("url")),
        plain_text(data.get("content_hash")),
        plain_text(data.get("previous_hash")),
        plain_text(data.get("title")),
        previous_text,
        _iso(data.get("published")),
        _iso(data.get("fetched")),
        _dates(data.get("published_from"), data.get("published_raw")),
    )


def with_previous_text(row: tuple[Any, ...], previous_text: str | None) -> tuple[Any, ...]:
    """`row` (an `event_row`) with the revision's `previous_text`."""
    return (*row[:_PREVIOUS_TEXT], previous_text, *row[_PREVIOUS_TEXT + 1 :])


_PREVIOUS_TEXT = EVENT_COLUMNS.index("previous_text")


# The replay writes one row per event in the one replaying process: the two values below
# repeat (a batch of appends shares one time; most dates come "from the feed"), so each is
# made once. The offset is part of the key: equal instants in two zones print differently.
@lru_cache(maxsize=256)
def _recorded_at(moment: datetime, offset: timedelta | None) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _dates(published_from: Any, published_raw: Any) -> str | None:
    """Where the dates came from, as JSON, when the event says."""
    try:
        return _dates_json(published_from, published_raw)
    except TypeError:  # an unhashable value (a list…) is not cached
        return _dates_json.__wrapped__(published_from, published_raw)


@lru_cache(maxsize=256, typed=True)
def _dates_json(published_from: Any, published_raw: Any) -> str | None:
    dates = {"published_from": published_from, "published_raw": published_raw}
    present = {k: v for k, v in dates.items() if v}
    return json.dumps(present, sort_keys=True) if present else None


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """One event of the article's stream as the page lists it."""

    position: int
    event_id: str
    type: str
    hash: str
    recorded_at: str
    source_id: str
    source_kind: str | None
    url: str | None
    content_hash: str | None
    version: int | None
    title: str | None
    published: str | None
    published_from: str | None
    fetched: str | None
    diff: tuple[tuple[str, str], ...] = ()  # revisions: (op, words), op in "=", "-", "+"


@dataclass(frozen=True, slots=True)
class Membership:
    topic_id: str
    score: float
    explanation: tuple[dict[str, Any], ...]


@dataclass(frozen=True, slots=True)
class ArticlePage:
    """Everything an article page shows, as values."""

    article_id: str
    title: str
    text: str
    html: str | None
    language: str | None
    author: str | None
    place: str | None
    source_id: str
    url: str | None
    published: str | None
    updated: str
    events: tuple[LoggedEvent, ...]
    topics: tuple[Membership, ...]
    figures: tuple[FigureRow, ...]
    #: The meetings the topics projection found (JSON objects: kind, status, sides, words,
    #: where, when), when it records them.
    meetings: tuple[dict[str, Any], ...] = ()

    @property
    def first(self) -> LoggedEvent | None:
        return next((e for e in self.events if e.type == ARTICLE_INGESTED.name), None)

    @property
    def sightings(self) -> tuple[LoggedEvent, ...]:
        return tuple(e for e in self.events if e.type == ARTICLE_SIGHTED.name)

    @property
    def revisions(self) -> tuple[LoggedEvent, ...]:
        return tuple(e for e in self.events if e.type == ARTICLE_REVISED.name)

    @property
    def latest(self) -> LoggedEvent | None:
        """The event of the version the page shows."""
        versions = [e for e in self.events if e.type in CONTENT_TYPES]
        return versions[-1] if versions else None


def article_page(conn: Connection, tables: Tables, article_id: str) -> ArticlePage | None:
    return next(iter(article_pages(conn, tables, [article_id])), None)


def article_pages(
    conn: Connection, tables: Tables, ids: Sequence[str], *, chunk: int = 200
) -> Iterator[ArticlePage]:
    """The pages of `ids` (those the view holds), read four queries per `chunk` articles:
    a query per article cost more than rendering its page."""
    a, ev = tables["feed_articles"], tables["article_events"]
    te, fig = tables["topic_entries"], tables["figures"]
    for part in map(list, chunks(ids, chunk)):
        rows = conn.execute(select(a).where(a.c.article_id.in_(part))).all()
        events = _grouped(conn, select(ev).where(ev.c.article_id.in_(part)), ev.c.position)
        topics = _grouped(
            conn,
            select(te.c.article_id, te.c.topic_id, te.c.score, te.c.explanation).where(
                te.c.article_id.in_(part)
            ),
            te.c.topic_id,
        )
        figures = _grouped(conn, select(fig).where(fig.c.article_id.in_(part)), fig.c.ordinal)
        by_id = {r.article_id: r for r in rows}
        for article_id in part:
            row = by_id.get(article_id)
            if row is not None:
                yield _page(
                    row,
                    events.get(article_id, []),
                    topics.get(article_id, []),
                    figures.get(article_id, []),
                )


def _grouped(conn: Connection, query: Select[Any], order: Any) -> dict[str, list[Row[Any]]]:
    found: dict[str, list[Row[Any]]] = {}
    for row in conn.execute(query.order_by(order)):
        found.setdefault(row.article_id, []).append(row)
    return found


def _page(
    row: Row[Any], events: list[Row[Any]], topics: list[Row[Any]], figures: list[Row[Any]]
) -> ArticlePage:
    logged: list[LoggedEvent] = []
    # Version k's text is what version k+1 replaced; the newest version's is the view's.
    revisions = [e for e in events if e.type == ARTICLE_REVISED.name]
    after = {
        r.position: (later.previous_text if later is not None else f"{row.title}\n\n{row.text}")
        for r, later in zip(revisions, [*revisions[1:], None][: len(revisions)], strict=True)
    }
    for e in events:
        diff: tuple[tuple[str, str], ...] = ()
        if e.type == ARTICLE_REVISED.name and e.previous_text is not None:
            diff = word_diff(e.previous_text, after[e.position] or "")
        dates = json.loads(e.dates) if e.dates else {}
        logged.append(
            LoggedEvent(
                position=e.position,
                event_id=e.event_id,
                type=e.type,
                hash=e.hash,
                recorded_at=e.recorded_at,
                source_id=e.source_id,
                source_kind=e.source_kind,
                url=e.url,
                content_hash=e.content_hash,
                version=e.version,
                title=e.title,
                published=e.published,
                published_from=dates.get("published_from"),
                fetched=e.fetched,
                diff=diff,
            )
        )
    return ArticlePage(
        article_id=row.article_id,
        title=row.title,
        text=row.text,
        html=row.html,
        language=row.language,
        author=row.author,
        place=row.place,
        source_id=row.source_id,
        url=row.url,
        published=row.published,
        updated=row.updated,
        events=tuple(logged),
        topics=tuple(
            Membership(t.topic_id, t.score, tuple(json.loads(t.explanation))) for t in topics
        ),
        figures=tuple(figure_row(f) for f in figures),
        meetings=tuple(json.loads(row._mapping.get("meetings") or "[]")),
    )
