"""An article's provenance from the log: the rows the projection keeps of every event of an
article's stream, and the article page's view of them (first sight, sightings, revisions
with a readable diff, event ids and hashes)."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Row, Select, Table, select

from feeds.views import FigureRow, _figure_row
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
        data.get("source_kind"),
        data.get("url"),
        data.get("content_hash"),
        data.get("previous_hash"),
        data.get("title"),
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
    for start in range(0, len(ids), chunk):
        part = list(ids[start : start + chunk])
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
        figures=tuple(_figure_row(f) for f in figures),
        meetings=tuple(json.loads(row._mapping.get("meetings") or "[]")),
    )


#: A word with the spaces after it: changed neighbouring words then form one run
#: ("giáo dục" -> "y tế"), not two runs split by a kept space.
_TOKENS = re.compile(r"\S+\s*|\s+")
#: A paragraph break: a blank line and the white space around it.
_BREAK = re.compile(r"(\n[ \t]*\n\s*)")
#: Most word pairs one changed passage is compared over. `SequenceMatcher` takes time in
#: the product of the two lengths: ten shuffled copies of a 200 KB text took a minute of
#: CPU on one story page (6.7 s a pair). A passage beyond it shows as removed and added.
WORD_PAIRS = 400_000


def word_diff(old: str, new: str) -> tuple[tuple[str, str], ...]:
    """The new text against the old: runs of kept ("="), removed ("-") and added ("+")
    text, which a page shows as plain, struck-out and highlighted text. Paragraphs are
    matched first, so a moved paragraph reads as one paragraph removed and one added (not
    its words interleaved with the text it crossed), then the words of each changed
    passage, when it is short enough to compare (`WORD_PAIRS`)."""
    a, b = _paragraphs(old), _paragraphs(new)
    runs: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        removed, added = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            runs.append(("=", removed))
        elif op == "replace":
            runs.extend(_words_changed(removed, added))
        else:
            runs.append(("-", removed) if removed else ("+", added))
    return _joined(runs)


def _paragraphs(text: str) -> list[str]:
    """`text` as its paragraphs and the breaks between them, each an item of its own (so a
    last paragraph, with no break after it, still matches itself elsewhere)."""
    return [piece for piece in _BREAK.split(text) if piece]


def _words_changed(old: str, new: str) -> list[tuple[str, str]]:
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    if len(a) * len(b) > WORD_PAIRS:
        return [("-", old), ("+", new)]
    runs: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            runs.append(("=", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            runs.append(("-", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            runs.append(("+", "".join(b[j1:j2])))
    return runs


def _joined(runs: list[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Neighbouring runs of one kind as one run."""
    joined: list[tuple[str, str]] = []
    for kind, text in runs:
        if joined and joined[-1][0] == kind:
            joined[-1] = (kind, joined[-1][1] + text)
        elif text:
            joined.append((kind, text))
    return tuple(joined)
