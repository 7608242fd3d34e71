"""The feeds projection: topic membership (with its explanation), the article fields the feeds
show, and the extracted economic figures — derived views, rebuilt by `replay`.

Figures live in the same projection as topics because classification needs them anyway
(the economic-figures topic is "has a figure"): one extraction per article version, and
entries and figures can never be at different positions of the log."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    Index,
    Table,
    and_,
    func,
    select,
)

from feeds.analysis import Derived, derive
from feeds.articles import ArticleVersion
from feeds.batch import Batch
from feeds.bulk import insert_rows
from feeds.config import FeedsConfig
from feeds.derivation import deriving_code
from feeds.provenance import EVENT_COLUMNS, event_row, with_previous_text
from feeds.stories import StoriesProjection
from feeds.story_facts import article_meetings
from feeds.tables import topics_tables
from feeds.topics import Topic
from newsfacts import ARTICLE_REVISED, ARTICLE_SIGHTED, ARTICLE_TYPES, CONTENT_TYPES
from store import Projection, RecordedEvent

Tables = Mapping[str, Table]

#: The projection's name: its checkpoint row, and what readers ask the runner for.
TOPICS = "topics"
STORIES = StoriesProjection.name


def build_projections(config: FeedsConfig) -> list[Projection]:
    return [
        TopicsProjection(config.topics, page_size=config.entries_per_feed),
        StoriesProjection(
            config.stories,
            meetings_of=article_meetings if config.stories_across_languages else None,
        ),
    ]


class EventFacts(NamedTuple):
    """What applying one event of an article's stream needs of it (`prepare`)."""

    type: str
    position: int
    article_id: str
    provenance: tuple[Any, ...]  # its `event_row`, without a revision's previous text
    version: ArticleVersion | None  # a content event's fields
    sighting: tuple[str, str | None] | None  # a sighting's source id and URL
    derived: Derived | None  # a content event's analysis; None: made when applied
    # Sent back by a worker: the version's text as UTF-8, and `version.text` empty. The
    # applying process only stores it, and bytes cost it neither decoding when unpickled
    # nor encoding when bound (SQLite stores them with CAST(? AS TEXT): the same text).
    text: bytes | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        version = self.version
        if version is None or self.text is not None:
            return EventFacts, tuple(self)
        blank = dataclasses.replace(version, text="")
        return EventFacts, (*self[:4], blank, *self[5:7], version.text.encode())


def _facts(event: RecordedEvent, topics: Sequence[Topic] | None) -> EventFacts:
    """`event`'s facts; with `topics`, a content event's analysis too."""
    data = event.data
    version = ArticleVersion.from_data(data) if event.type in CONTENT_TYPES else None
    derived = None
    if version is not None and topics is not None:
        derived = derive(
            version.title, version.text, version.language, topics, published=version.published
        )
    sighting = None
    if event.type == ARTICLE_SIGHTED.name:
        sighting = (str(data.get("source_id") or ""), data.get("canonical_url") or data.get("url"))
    row = event_row(event)
    return EventFacts(event.type, event.position, row[0], row, version, sighting, derived)


class TopicsProjection(Projection):
    """Which article is in which topic, why, in what order; plus what an entry shows."""

    name = TOPICS
    types = ARTICLE_TYPES

    def __init__(self, topics: Sequence[Topic], *, page_size: int) -> None:
        self.topics = tuple(topics)
        self.page_size = page_size

    def tables(self, generation: int) -> dict[str, Table]:
        return topics_tables(generation)

    def fingerprint(self) -> str:
        # A topic's title, description and whether its entries list figures are shown,
        # never stored: changing them rebuilds nothing, nor does the order of the topics
        # (each is judged alone; a topic with a base looks it up by id). Its rules, the
        # page size of its archive and the code do.
        rules = [
            dataclasses.replace(t, title="", description="", show_figures=False)
            for t in sorted(self.topics, key=lambda t: t.id)
        ]
        return f"topics {rules!r} page_size={self.page_size} code={deriving_code()}"

    def prepare(self, events: Sequence[RecordedEvent]) -> list[EventFacts]:
        """Every event's facts, with each content event's figures, meetings and topics:
        pure, so that a long replay runs it in worker processes that read the events
        themselves (store/ahead.py), and the applying process never decodes them."""
        return [_facts(event, self.topics) for event in events]

    def apply(self, conn: Connection, tables: Tables, events: Sequence[RecordedEvent]) -> None:
        # Analysed only when applied: an older or repeated version is never analysed.
        self.apply_prepared(conn, tables, [_facts(event, None) for event in events])

    def apply_prepared(
        self, conn: Connection, tables: Tables, prepared: Sequence[EventFacts]
    ) -> None:
        batch = Batch(conn, tables, {f.article_id for f in prepared}, self.page_size)
        provenance = []  # every event of the streams, for the article pages
        for facts in prepared:
            row = facts.provenance
            if facts.type == ARTICLE_REVISED.name:
                # A revision's row keeps the text it replaces: the page's diff needs it.
                row = with_previous_text(row, batch.shown_text(facts.article_id))
            provenance.append(row)
            version = facts.version
            if version is not None:
                derived = facts.derived
                if derived is None:
                    if batch.is_stale(version):
                        continue  # the view shows this version or a newer one already
                    text = version.text if facts.text is None else facts.text.decode()
                    derived = derive(
                        version.title,
                        text,
                        version.language,
                        self.topics,
                        published=version.published,
                    )
                batch.article(version, facts.position, derived, facts.text)
            elif facts.sighting is not None:
                batch.sighting(facts.article_id, *facts.sighting, facts.position)
        batch.flush()
        insert_rows(conn, tables["article_events"], EVENT_COLUMNS, provenance)

    def deferred_indexes(self, tables: Tables) -> list[Index]:
        """Built after a replay has loaded the rows: the non-unique indexes, except the entries'
        by article, which `Batch` reads through for every batch (all the others serve the
        pages and feeds, which read the generation only once it is switched in)."""
        return [
            index
            for base, table in tables.items()
            if base != "topic_entries"
            for index in sorted(table.indexes, key=lambda i: str(i.name))
            if not index.unique
        ]

    def compare(self, conn: Connection, old: Tables, new: Tables) -> dict[str, Any]:
        """Per topic, how many articles entered and left between two generations."""
        counts = {t.id: {"entered": 0, "left": 0} for t in self.topics}
        for key, a, b in (("entered", new, old), ("left", old, new)):
            x, y = a["topic_entries"], b["topic_entries"]
            joined = x.outerjoin(
                y, and_(y.c.topic_id == x.c.topic_id, y.c.article_id == x.c.article_id)
            )
            query = (
                select(x.c.topic_id, func.count())
                .select_from(joined)
                .where(y.c.article_id.is_(None))
                .group_by(x.c.topic_id)
            )
            for topic_id, count in conn.execute(query):
                counts.setdefault(topic_id, {"entered": 0, "left": 0})[key] = int(count)
        return {"topics": counts}
