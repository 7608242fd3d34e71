"""Read side of `newsledger articles`: every article of the views (or of one topic) with its
topics, its figures (measure and period) and its meetings, in log order, in batches."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Table, select

from feeds.meeting_dates import anchor_day
from feeds.story_meetings import meeting_date

Tables = Mapping[str, Table]


@dataclass(frozen=True, slots=True)
class ArticleListing:
    article_id: str
    title: str
    source_id: str
    url: str | None
    published: str | None
    language: str | None
    topics: tuple[str, ...]
    figures: tuple[dict[str, Any], ...]
    meetings: tuple[dict[str, Any], ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.article_id,
            "title": self.title,
            "source": self.source_id,
            "url": self.url,
            "published": self.published,
            "language": self.language,
            "topics": list(self.topics),
            "figures": list(self.figures),
            "meetings": list(self.meetings),
        }

    def meeting_day(self, meeting: Mapping[str, Any]) -> date | None:
        """The day one of its meetings' sentences dates it ("Chiều 9/1", "ngày 9/1" and
        "Tối 9/1" in one report are one day), or None when the sentence names none."""
        return meeting_date(meeting, anchor_day(self.published))


def listings(
    conn: Connection, tables: Tables, *, topic: str | None = None, batch: int = 500
) -> Iterator[ArticleListing]:
    """Articles in the order they entered the log (of `topic` only, when given)."""
    articles, entries, figures = (
        tables["feed_articles"],
        tables["topic_entries"],
        tables["figures"],
    )
    last = -1
    while True:
        query = (
            select(articles)
            .where(articles.c.position > last)
            .order_by(articles.c.position)
            .limit(batch)
        )
        if topic is not None:
            members = select(entries.c.article_id).where(entries.c.topic_id == topic)
            query = query.where(articles.c.article_id.in_(members))
        rows = conn.execute(query).all()
        if not rows:
            return
        ids = [r.article_id for r in rows]
        topics: dict[str, list[str]] = {}
        for article_id, topic_id in conn.execute(
            select(entries.c.article_id, entries.c.topic_id).where(entries.c.article_id.in_(ids))
        ):
            topics.setdefault(article_id, []).append(topic_id)
        found: dict[str, list[dict[str, Any]]] = {}
        for f in conn.execute(
            select(figures).where(figures.c.article_id.in_(ids)).order_by(figures.c.ordinal)
        ):
            found.setdefault(f.article_id, []).append(
                {
                    "kind": f.kind,
                    "value": f.value,
                    "unit": f.unit,
                    "text": f.text,
                    "measure": f.measure,
                    "economic": bool(f.economic),
                    "period": f.period,
                    "inferred": bool(f.inferred),
                }
            )
        for r in rows:
            yield ArticleListing(
                article_id=r.article_id,
                title=r.title,
                source_id=r.source_id,
                url=r.url,
                published=r.published,
                language=r.language,
                topics=tuple(sorted(topics.get(r.article_id, ()))),
                figures=tuple(found.get(r.article_id, ())),
                meetings=tuple(json.loads(r.meetings)) if r.meetings else (),
            )
        last = rows[-1].position
        if len(rows) < batch:
            return
