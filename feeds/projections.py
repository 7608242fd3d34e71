"""The feeds projection: topic membership (with its explanation), the article fields the feeds
show, and the extracted economic figures — derived views, rebuilt by `replay`.

Figures live in the same projection as topics because classification needs them anyway
(the economic-figures topic is "has a figure"): one extraction per article version, and
entries and figures can never be at different positions of the log."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    Index,
    Table,
    and_,
    func,
    select,
)

from feeds.analysis import Derived, derive
from feeds.articles import AnalysedText, ArticleVersion, analysed_text
from feeds.batch import Batch
from feeds.bulk import insert_rows
from feeds.config import FeedsConfig
from feeds.provenance import EVENT_COLUMNS, event_row
from feeds.stories import StoriesProjection, article_meetings
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


class TopicsProjection(Projection):
    """Which article is in which topic, why, in what order; plus what an entry shows."""

    name = TOPICS
    types = ARTICLE_TYPES

    def __init__(self, topics: Sequence[Topic], *, page_size: int) -> None:
        self.topics = tuple(topics)
        self.page_size = page_size

    def tables(self, generation: int) -> dict[str, Table]:
        return topics_tables(generation)

    def prepare_input(self, events: Sequence[RecordedEvent]) -> list[AnalysedText | None]:
        """What `prepare` reads: the title, text and language of each content event."""
        return [analysed_text(e.data) if e.type in CONTENT_TYPES else None for e in events]

    def prepare(self, batch: Sequence[AnalysedText | None]) -> list[Derived | None]:
        """Figures, meetings and topics of each content event: pure, so that a replay runs
        it in worker processes ahead of `apply_prepared` (store/ahead.py)."""
        return [None if t is None else derive(*t, self.topics) for t in batch]

    def apply(self, conn: Connection, tables: Tables, events: Sequence[RecordedEvent]) -> None:
        self.apply_prepared(conn, tables, events, None)

    def apply_prepared(
        self,
        conn: Connection,
        tables: Tables,
        events: Sequence[RecordedEvent],
        prepared: Sequence[Derived | None] | None,
    ) -> None:
        batch = Batch(conn, tables, {str(e.data["article_id"]) for e in events}, self.page_size)
        provenance = []  # every event of the streams, for the article pages
        for i, event in enumerate(events):
            # A revision's row keeps the text it replaces: the page's diff needs it.
            before = (
                batch.shown_text(str(event.data["article_id"]))
                if event.type == ARTICLE_REVISED.name
                else None
            )
            provenance.append(event_row(event, previous_text=before))
            if event.type in CONTENT_TYPES:
                version = ArticleVersion.from_data(event.data)
                derived = prepared[i] if prepared is not None else None
                if derived is None:
                    if batch.is_stale(version):
                        continue  # the view shows this version or a newer one already
                    derived = derive(version.title, version.text, version.language, self.topics)
                batch.article(version, event.position, derived)
            elif event.type == ARTICLE_SIGHTED.name:
                batch.sighting(event.data, event.position)
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
