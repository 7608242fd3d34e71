"""Read side of the feeds views: the rows a feed page, the index or `figures` needs, as values."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, FromClause, Row, Select, Table, exists, func, select

from feeds.figure_rows import FigureRow, figure_row
from feeds.story_views import StoryEntry, story_entries

Tables = Mapping[str, Table]


@dataclass(frozen=True, slots=True)
class EntryRow:
    """One article as an entry of one topic's feed."""

    article_id: str
    seq: int
    title: str
    url: str | None
    source_id: str
    language: str | None
    author: str | None
    published: str | None
    updated: str
    text: str
    html: str | None
    topics: tuple[str, ...] = ()  # every topic the article is in (category terms)
    sightings: tuple[tuple[str, str | None], ...] = ()  # (source id, url) also reporting it
    figures: tuple[FigureRow, ...] = ()
    countries: tuple[str, ...] = ()  # ISO codes of the states in its bilateral meetings
    place: str | None = None  # dateline place (KAZAN, HÀ NỘI) when the text began with one
    story_id: str | None = None  # its story (feeds.stories), when grouped
    story_languages: tuple[str, ...] = ()  # every language the story was reported in


@dataclass(frozen=True, slots=True)
class TopicState:
    next_seq: int = 1
    stamp: int = 0
    pages: Mapping[int, int] | None = None  # page -> stamp


def topic_state(conn: Connection, tables: Tables, topic_id: str) -> TopicState:
    heads, pages = tables["topic_heads"], tables["topic_pages"]
    head = conn.execute(select(heads).where(heads.c.topic_id == topic_id)).first()
    stamps = {
        r.page: r.stamp
        for r in conn.execute(
            select(pages.c.page, pages.c.stamp).where(pages.c.topic_id == topic_id)
        )
    }
    if head is None:
        return TopicState(pages=stamps)
    return TopicState(head.next_seq, head.stamp, stamps)


#: The most entries a document reads back past copies of older stories (each publish, so
#: bounded): ten thousand reposts of one story in a row still leave it empty.
READ_BACK = 10_000


def entries(
    conn: Connection,
    tables: Tables,
    topic_id: str,
    *,
    newest: int | None = None,
    seq_range: tuple[int, int] | None = None,
    figures: Table | None = None,
    by_published: bool = False,
    stories: Tables | None = None,
    leads: dict[str, int | None] | None = None,
) -> list[EntryRow]:
    """A topic's entries, newest first: the newest `newest`, or those with seq in a range.

    Newest means last to enter the topic (feeds: a reader sees every new entry on top),
    or with `by_published`, latest publication date (the index page a person reads;
    articles without a date come after the dated ones, newest entry first).
    With the `stories` tables, a story is one entry: the copies of an earlier entry of the
    topic are left out and listed, with their sightings, as "also reported by" of it.
    `leads` is the topic's memo of each story's first entry (`story_entries`).
    """
    e, a = tables["topic_entries"], tables["feed_articles"]
    query = (
        select(e.c.article_id, e.c.seq, a)
        .join(a, a.c.article_id == e.c.article_id)
        .where(e.c.topic_id == topic_id)
    )
    if seq_range is not None:
        query = query.where(e.c.seq >= seq_range[0], e.c.seq <= seq_range[1])
    limit = newest
    while True:
        window = (topic_id, tables) if seq_range is None else None
        rows = _newest(conn, query, e, a, limit, by_published=by_published, window=window)
        grouped = (
            story_entries(
                conn, tables, stories, topic_id, {r.article_id: r.seq for r in rows}, leads
            )
            if stories is not None
            else {}
        )
        kept = [r for r in rows if r.article_id not in grouped or grouped[r.article_id].lead]
        # The newest `newest` entries can all be copies of an older story (a wire story
        # reposted ten times): read further back until there are `newest` stories, or the
        # topic ends. A feed document of copies alone was empty, dated 1970.
        if (
            limit is None
            or newest is None
            or len(kept) >= newest
            or len(rows) < limit
            or limit >= READ_BACK
        ):
            return _entry_rows(conn, tables, kept[:newest], figures, grouped)
        limit = min(limit * 4, READ_BACK)


def _newest(
    conn: Connection,
    query: Select[Any],
    e: Table,
    a: Table,
    newest: int | None,
    *,
    by_published: bool,
    window: tuple[str, Tables] | None = None,
) -> list[Row[Any]]:
    if by_published:
        # Two queries that each walk an index (published, article_id / topic, seq), where
        # one ordered by "published, else updated" sorted the whole topic on every publish.
        dated = query.where(a.c.published.is_not(None)).order_by(*_by_published(a))
        rows = None
        if newest and window is not None:
            rows = _newest_in_window(conn, dated, *window, newest)
        if rows is None:
            rows = list(conn.execute(dated.limit(newest) if newest else dated).all())
        if newest is None or len(rows) < newest:
            undated = query.where(a.c.published.is_(None)).order_by(e.c.seq.desc())
            rest = newest - len(rows) if newest else None
            rows += conn.execute(undated.limit(rest) if rest else undated).all()
        return rows
    query = query.order_by(e.c.seq.desc())
    if newest is not None:
        query = query.limit(newest)
    return list(conn.execute(query).all())


def _by_published(a: FromClause) -> tuple[Any, ...]:
    """Latest publication first, ties by article id: one order, whichever way it is found."""
    return a.c.published.desc(), a.c.article_id.desc()


#: How many times the articles expected to hold a topic's newest entries a window reads.
WINDOW_MARGIN = 4


def _newest_in_window(
    conn: Connection, dated: Select[Any], topic_id: str, tables: Tables, newest: int
) -> list[Row[Any]] | None:
    """A topic's `newest` latest-published entries (`dated`, ordered) found among a window
    of the site's latest-published articles, or None when the window is no cheaper than
    sorting the topic or holds fewer (then the caller sorts; the rows are the same).

    On SQLite, which has no statistics to choose by, the index page sorted each topic's
    every entry (joined with its article) to take its newest ten: 0.26 s a publish for a
    topic of 30,000 articles. The window is four times the articles that hold `newest` of
    the topic if it is spread evenly over the dates, so a large topic probes a few dozen
    articles; a small, undated or long-silent topic falls back to the sort, at the cost
    of at most the window's probes (a review measured walking all the dates instead: 27
    ms against 1 ms for such topics). PostgreSQL sorts the top rows well by itself."""
    if conn.dialect.name != "sqlite":
        return None
    heads, e, a = tables["topic_heads"], tables["topic_entries"], tables["feed_articles"]
    size = conn.scalar(select(heads.c.next_seq).where(heads.c.topic_id == topic_id)) or 1
    articles = conn.scalar(select(func.max(a.c.position))) or 0  # >= the articles' count
    span = max(newest, WINDOW_MARGIN * newest * articles // size)
    if span >= size:
        return None
    latest = (
        select(a.c.article_id, a.c.published)
        .where(a.c.published.is_not(None))
        .order_by(*_by_published(a))
        .limit(span)
        .subquery()
    )
    held = exists().where(e.c.topic_id == topic_id, e.c.article_id == latest.c.article_id)
    ids = list(
        conn.scalars(
            select(latest.c.article_id).where(held).order_by(*_by_published(latest)).limit(newest)
        )
    )
    if len(ids) < newest:
        return None
    return list(conn.execute(dated.where(a.c.article_id.in_(ids))).all())


def _entry_rows(
    conn: Connection,
    tables: Tables,
    rows: Sequence[Row[Any]],
    figures: Table | None,
    grouped: Mapping[str, StoryEntry],
) -> list[EntryRow]:
    ids = [r.article_id for r in rows]
    topics = _many(conn, tables["topic_entries"], ids, "topic_id")
    sightings = _sightings(conn, tables["feed_sightings"], ids)
    figs = _figures(conn, figures, ids) if figures is not None else {}
    return [
        EntryRow(
            article_id=r.article_id,
            seq=r.seq,
            title=r.title,
            url=r.url,
            source_id=r.source_id,
            language=r.language,
            author=r.author,
            published=r.published,
            updated=r.updated,
            text=r.text,
            html=r.html,
            topics=tuple(sorted(topics.get(r.article_id, ()))),
            sightings=tuple(sightings.get(r.article_id, ()))
            + (grouped[r.article_id].also if r.article_id in grouped else ()),
            figures=tuple(figs.get(r.article_id, ())),
            countries=tuple(r.countries.split(",")) if r.countries else (),
            place=r.place,
            story_id=grouped[r.article_id].story_id if r.article_id in grouped else None,
            story_languages=grouped[r.article_id].languages if r.article_id in grouped else (),
        )
        for r in rows
    ]


def _many(conn: Connection, table: Table, ids: Sequence[str], column: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    if ids:
        query = select(table.c.article_id, table.c[column]).where(table.c.article_id.in_(ids))
        for article_id, value in conn.execute(query):
            found.setdefault(article_id, []).append(value)
    return found


def _sightings(
    conn: Connection, table: Table, ids: Sequence[str]
) -> dict[str, list[tuple[str, str | None]]]:
    found: dict[str, list[tuple[str, str | None]]] = {}
    if ids:
        query = (
            select(table.c.article_id, table.c.source_id, table.c.url)
            .where(table.c.article_id.in_(ids))
            .order_by(table.c.position)
        )
        for article_id, source_id, url in conn.execute(query):
            found.setdefault(article_id, []).append((source_id, url))
    return found


def _figures(conn: Connection, table: Table, ids: Sequence[str]) -> dict[str, list[FigureRow]]:
    found: dict[str, list[FigureRow]] = {}
    if ids:
        query = select(table).where(table.c.article_id.in_(ids)).order_by(table.c.ordinal)
        for r in conn.execute(query):
            found.setdefault(r.article_id, []).append(figure_row(r))
    return found


def all_figures(conn: Connection, table: Table, *, batch: int = 2000) -> Iterator[FigureRow]:
    """Every stored figure, in log order of the article versions they came from."""
    last = (-1, "", -1)
    while True:
        query = select(table).order_by(table.c.position, table.c.article_id, table.c.ordinal)
        query = query.where(
            (table.c.position > last[0])
            | ((table.c.position == last[0]) & (table.c.article_id > last[1]))
            | (
                (table.c.position == last[0])
                & (table.c.article_id == last[1])
                & (table.c.ordinal > last[2])
            )
        ).limit(batch)
        rows = conn.execute(query).all()
        for r in rows:
            yield figure_row(r)
        if len(rows) < batch:
            return
        last = (rows[-1].position, rows[-1].article_id, rows[-1].ordinal)
