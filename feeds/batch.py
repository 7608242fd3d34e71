"""One `apply` of the topics projection: the view rows its events touch, read once,
changed in memory (membership, order, figures, page stamps), and written back in bulk."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, delete, insert, select, update

from feeds.analysis import Analysis, analyse
from feeds.articles import ArticleVersion
from feeds.classify import Membership, RuleMatch
from feeds.figures import Figure
from feeds.meetings import HAPPENED, Meeting
from feeds.topics import Topic

Tables = Mapping[str, Table]


class Batch:
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
        """A new version of an article: its row, its figures, its topics (from `analysis`
        when a replay prepared it, else analysed here)."""
        aid = version.article_id
        known = self.known.get(aid)
        if known is not None and version.version <= known["version"]:
            return  # an older or repeated version: the view already shows a newer one
        row = self._article_row(version, position, known)
        figures, meetings, memberships = analysis or analyse(version, topics)
        row.update(_meeting_columns(meetings))
        self.figures[aid] = _figure_rows(aid, position, figures)
        self._classify(version, position, memberships)

    def _article_row(
        self, version: ArticleVersion, position: int, known: dict[str, Any] | None
    ) -> dict[str, Any]:
        aid = version.article_id
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
        return row

    def _classify(
        self, version: ArticleVersion, position: int, memberships: list[Membership]
    ) -> None:
        """Enter the topics it now belongs to (keeping its place), leave the others."""
        aid = version.article_id
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


def _figure_rows(aid: str, position: int, figures: Sequence[Figure]) -> list[dict[str, Any]]:
    return [
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


def _meeting_columns(meetings: Sequence[Meeting]) -> dict[str, Any]:
    """The article row's meetings (as JSON) and the countries of bilateral meetings held."""
    held = {
        c
        for m in meetings
        if m.bilateral and m.status == HAPPENED and not m.background
        for c in m.countries
    }
    return {
        "meetings": json.dumps([m.as_json() for m in meetings], ensure_ascii=False, sort_keys=True)
        if meetings
        else None,
        "countries": ",".join(sorted(held)) or None,
    }
