"""The feeds projection: topic membership (with its explanation), the article fields the feeds
show, and the extracted economic figures — derived views, rebuilt by `replay`.

Figures live in the same projection as topics because classification needs them anyway
(the economic-figures topic is "has a figure"): one extraction per article version, and
entries and figures can never be at different positions of the log."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    Table,
    and_,
    delete,
    func,
    insert,
    select,
    update,
)

from feeds.articles import ArticleVersion
from feeds.classify import ArticleText, Membership, RuleMatch, classify
from feeds.config import FeedsConfig
from feeds.figures import Figure, article_figures
from feeds.meetings import HAPPENED, Meeting, extract_meetings
from feeds.provenance import event_row
from feeds.stories import StoriesProjection
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
        StoriesProjection(config.stories),
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

    def prepare(self, events: Sequence[RecordedEvent]) -> list[Analysis | None]:
        """Figures, meetings and topics of each content event: pure, so that a replay runs
        it in worker processes ahead of `apply_prepared` (store/ahead.py)."""
        return [
            analyse(ArticleVersion.from_data(e.data), self.topics)
            if e.type in CONTENT_TYPES
            else None
            for e in events
        ]

    def apply(self, conn: Connection, tables: Tables, events: Sequence[RecordedEvent]) -> None:
        self.apply_prepared(conn, tables, events, None)

    def apply_prepared(
        self,
        conn: Connection,
        tables: Tables,
        events: Sequence[RecordedEvent],
        prepared: Sequence[Analysis | None] | None,
    ) -> None:
        batch = _Batch(conn, tables, {str(e.data["article_id"]) for e in events}, self.page_size)
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
                analysis = prepared[i] if prepared is not None else None
                batch.article(version, event.position, self.topics, analysis)
            elif event.type == ARTICLE_SIGHTED.name:
                batch.sighting(event.data, event.position)
        batch.flush()
        if provenance:
            conn.execute(insert(tables["article_events"]), provenance)

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


class Analysis(NamedTuple):
    """What an article version says, found from its text alone."""

    figures: list[Figure]
    meetings: list[Meeting]
    memberships: list[Membership]


def analyse(version: ArticleVersion, topics: Sequence[Topic]) -> Analysis:
    figures = article_figures(version.title, version.text, language=version.language)
    meetings = extract_meetings(version.title, version.text, language=version.language)
    text = ArticleText(version.title, version.text, version.language)
    return Analysis(figures, meetings, classify(text, topics, figures=figures, meetings=meetings))


class _Batch:
    """The state one `apply` call reads once, changes in memory, and writes back in bulk."""

    def __init__(self, conn: Connection, tables: Tables, ids: set[str], page_size: int) -> None:
        self.conn, self.t, self.page_size = conn, tables, page_size
        articles, entries = tables["feed_articles"], tables["topic_entries"]
        self.known: dict[str, dict[str, Any]] = {}
        self.entries: dict[str, dict[str, tuple[int, float, str]]] = {}
        for chunk in _chunks(sorted(ids), 500):
            for row in conn.execute(
                select(
                    articles.c.article_id,
                    articles.c.position,
                    articles.c.version,
                    articles.c.published,
                    articles.c.updated,
                ).where(articles.c.article_id.in_(chunk))
            ):
                self.known[row.article_id] = dict(row._mapping)
            for row in conn.execute(select(entries).where(entries.c.article_id.in_(chunk))):
                self.entries.setdefault(row.article_id, {})[row.topic_id] = (
                    row.seq,
                    row.score,
                    row.explanation,
                )
        self.original = {a: dict(e) for a, e in self.entries.items()}
        self.heads = {
            r.topic_id: [r.next_seq, r.stamp] for r in conn.execute(select(tables["topic_heads"]))
        }
        self.original_heads = {k: list(v) for k, v in self.heads.items()}
        self.new_articles: dict[str, dict[str, Any]] = {}
        self.changed_articles: dict[str, dict[str, Any]] = {}
        self.sightings: list[dict[str, Any]] = []
        self.figures: dict[str, list[dict[str, Any]]] = {}  # article -> rows of its newest version
        self.pages: dict[tuple[str, int], int] = {}
        self.explanations: dict[tuple[RuleMatch, ...], str] = {}

    def article(
        self,
        version: ArticleVersion,
        position: int,
        topics: Sequence[Topic],
        analysis: Analysis | None = None,
    ) -> None:
        aid = version.article_id
        known = self.known.get(aid)
        if known is not None and version.version <= known["version"]:
            return  # an older or repeated version: the view already shows a newer one
        row = {
            "article_id": aid,
            "version": version.version,
            "source_id": version.source_id,
            "url": version.url,
            "title": version.title,
            "text": version.text,
            "html": version.html,
            "language": version.language,
            "author": version.author,
            "place": version.place,
        }
        if known is None:
            row["position"] = position
            row["published"] = version.published
            row["updated"] = version.published or version.fetched
            self.new_articles[aid] = row
        else:
            row["position"] = known["position"]
            row["published"] = version.published or known["published"]
            # A revision is a new state of the entry: `updated` moves forward, the id stays.
            row["updated"] = max(known["updated"], version.fetched)
            target = self.new_articles if aid in self.new_articles else self.changed_articles
            target[aid] = row
        self.known[aid] = row
        figures, meetings, memberships = analysis or analyse(version, topics)
        row["meetings"] = (
            json.dumps([m.as_json() for m in meetings], ensure_ascii=False, sort_keys=True)
            if meetings
            else None
        )
        held = {
            c
            for m in meetings
            if m.bilateral and m.status == HAPPENED and not m.background
            for c in m.countries
        }
        row["countries"] = ",".join(sorted(held)) or None
        self.figures[aid] = [
            {
                "article_id": aid,
                "ordinal": i,
                "position": position,
                "field": f.field,
                "kind": f.kind,
                "value": str(f.value),
                "unit": f.unit,
                "direction": f.direction,
                "measure": f.measure,
                "economic": f.economic,
                "period": f.period,
                "inferred": f.inferred,
                "cue": f.cue,
                "text": f.text,
                "sentence": f.sentence,
                "start": f.start,
                "end": f.end,
            }
            for i, f in enumerate(figures)
        ]
        current = self.entries.setdefault(aid, {})
        fresh = {m.topic for m in memberships}
        for topic_id in [t for t in current if t not in fresh]:
            self._touch(topic_id, current.pop(topic_id)[0], position)
        for m in memberships:
            explanation = self.explanations.get(m.matches)
            if explanation is None:  # the same for every article of `all`: encoded once
                explanation = json.dumps(m.explanation(), ensure_ascii=False, sort_keys=True)
                self.explanations[m.matches] = explanation
            if m.topic in current:
                seq = current[m.topic][0]
            else:
                head = self.heads.setdefault(m.topic, [1, 0])
                seq, head[0] = head[0], head[0] + 1
            current[m.topic] = (seq, m.score, explanation)
            self._touch(m.topic, seq, position)

    def shown_text(self, aid: str) -> str | None:
        """Title and text of the version the view shows now (None for an unknown article)."""
        row = self.new_articles.get(aid) or self.changed_articles.get(aid)
        if row is None:
            a = self.t["feed_articles"]
            query = select(a.c.title, a.c.text).where(a.c.article_id == aid)
            found = self.conn.execute(query).first()
            return None if found is None else f"{found.title}\n\n{found.text}"
        return f"{row['title']}\n\n{row['text']}"

    def sighting(self, data: dict[str, Any], position: int) -> None:
        aid = str(data["article_id"])
        url = data.get("canonical_url") or data.get("url")
        self.sightings.append(
            {
                "article_id": aid,
                "position": position,
                "source_id": str(data.get("source_id") or ""),
                "url": url,
            }
        )
        for topic_id, (seq, _, _) in self.entries.get(aid, {}).items():
            self._touch(topic_id, seq, position)

    def _touch(self, topic_id: str, seq: int, position: int) -> None:
        self.pages[(topic_id, (seq - 1) // self.page_size + 1)] = position
        head = self.heads.setdefault(topic_id, [1, 0])
        head[1] = position

    def flush(self) -> None:
        conn, t = self.conn, self.t
        if self.new_articles:
            conn.execute(insert(t["feed_articles"]), list(self.new_articles.values()))
        articles = t["feed_articles"]
        for aid, row in self.changed_articles.items():
            values = {k: v for k, v in row.items() if k != "article_id"}
            conn.execute(update(articles).where(articles.c.article_id == aid).values(**values))
        figures = t["figures"]
        replaced = [aid for aid in self.figures if aid not in self.new_articles]
        for chunk in _chunks(replaced, 500):
            conn.execute(delete(figures).where(figures.c.article_id.in_(chunk)))
        rows = [row for rows in self.figures.values() for row in rows]
        if rows:
            conn.execute(insert(figures), rows)
        if self.sightings:
            conn.execute(insert(t["feed_sightings"]), self.sightings)
        self._flush_entries()
        heads = t["topic_heads"]
        for topic_id, (next_seq, stamp) in self.heads.items():
            if topic_id not in self.original_heads:
                conn.execute(
                    insert(heads).values(topic_id=topic_id, next_seq=next_seq, stamp=stamp)
                )
            elif self.original_heads[topic_id] != [next_seq, stamp]:
                conn.execute(
                    update(heads)
                    .where(heads.c.topic_id == topic_id)
                    .values(next_seq=next_seq, stamp=stamp)
                )
        self._flush_pages()

    def _flush_entries(self) -> None:
        entries = self.t["topic_entries"]
        inserts, deletes = [], []
        for aid, now in self.entries.items():
            before = self.original.get(aid, {})
            for topic_id, (seq, score, explanation) in now.items():
                if before.get(topic_id) == (seq, score, explanation):
                    continue
                if topic_id in before:
                    deletes.append((topic_id, aid))
                inserts.append(
                    {
                        "topic_id": topic_id,
                        "article_id": aid,
                        "seq": seq,
                        "score": score,
                        "explanation": explanation,
                    }
                )
            deletes.extend((topic_id, aid) for topic_id in before if topic_id not in now)
        for topic_id, aid in deletes:
            self.conn.execute(
                delete(entries).where(entries.c.topic_id == topic_id, entries.c.article_id == aid)
            )
        if inserts:
            self.conn.execute(insert(entries), inserts)

    def _flush_pages(self) -> None:
        if not self.pages:
            return
        pages = self.t["topic_pages"]
        topics = sorted({topic_id for topic_id, _ in self.pages})
        existing = {
            (r.topic_id, r.page)
            for r in self.conn.execute(
                select(pages.c.topic_id, pages.c.page).where(
                    pages.c.topic_id.in_(topics),
                    pages.c.page.in_(sorted({p for _, p in self.pages})),
                )
            )
        }
        rows = [{"topic_id": k[0], "page": k[1], "stamp": v} for k, v in self.pages.items()]
        new = [r for r in rows if (r["topic_id"], r["page"]) not in existing]
        if new:
            self.conn.execute(insert(pages), new)
        for r in rows:
            if (r["topic_id"], r["page"]) in existing:
                self.conn.execute(
                    update(pages)
                    .where(pages.c.topic_id == r["topic_id"], pages.c.page == r["page"])
                    .values(stamp=r["stamp"])
                )


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
