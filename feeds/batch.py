"""One `apply` of the topics projection: the view rows its events touch, read once,
changed in memory (membership, order, figures, page stamps), and written back in bulk."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, delete, insert, select, update

from feeds.analysis import FIGURE_COLUMNS, Derived
from feeds.articles import ArticleVersion
from feeds.bulk import as_text, chunks, insert_rows, select_in

Tables = Mapping[str, Table]
ARTICLE_COLUMNS = (
    "article_id", "version", "source_id", "url", "title", "text", "html", "language", "author",
    "place", "position", "published", "updated", "meetings", "countries",
)  # fmt: skip
ENTRY_COLUMNS = ("topic_id", "article_id", "seq", "score", "explanation")


class Batch:
    """The state one `apply` call reads once, changes in memory, and writes back in bulk."""

    def __init__(self, conn: Connection, tables: Tables, ids: set[str], page_size: int) -> None:
        self.conn, self.t, self.page_size = conn, tables, page_size
        articles, entries = tables["feed_articles"], tables["topic_entries"]
        self.known: dict[str, dict[str, Any]] = {}
        self.entries: dict[str, dict[str, tuple[int, float, str]]] = {}
        known = ("article_id", "position", "version", "published", "updated")
        for row in select_in(conn, articles, known, "article_id", sorted(ids)):
            self.known[row[0]] = dict(zip(known, row, strict=True))
        for topic_id, aid, seq, score, explanation in select_in(
            conn, entries, ENTRY_COLUMNS, "article_id", sorted(ids)
        ):
            self.entries.setdefault(aid, {})[topic_id] = (seq, score, explanation)
        self.original = {a: dict(e) for a, e in self.entries.items()}
        self.heads = {
            r.topic_id: [r.next_seq, r.stamp] for r in conn.execute(select(tables["topic_heads"]))
        }
        self.original_heads = {k: list(v) for k, v in self.heads.items()}
        self.new_articles: dict[str, dict[str, Any]] = {}
        self.changed_articles: dict[str, dict[str, Any]] = {}
        self.sightings: list[dict[str, Any]] = []
        self.unsighted: set[str] = set()  # revised articles: their stored sightings go
        self.figures: dict[str, list[tuple[Any, ...]]] = {}  # article -> its newest version's
        self.pages: dict[tuple[str, int], int] = {}

    def is_stale(self, version: ArticleVersion) -> bool:
        """Whether the view already shows this version of the article or a newer one."""
        known = self.known.get(version.article_id)
        return known is not None and version.version <= known["version"]

    def article(
        self, version: ArticleVersion, position: int, derived: Derived, text: bytes | None = None
    ) -> None:
        """A new version of an article: its row, its figures and its topics (`derived`);
        `text`, if given, is its text in UTF-8 (and `version.text` is not read)."""
        aid = version.article_id
        known = self.known.get(aid)
        if known is not None and version.version <= known["version"]:
            return  # an older or repeated version: the view already shows a newer one
        row = self._article_row(version, position, known)
        if known is not None:
            # Sightings were of the text this version replaces: listed with the new text,
            # they vouched for what those sources never published ("also reported by" a
            # victim beside the copier's rewrite). Only later sightings are of this text.
            self.unsighted.add(aid)
            self.sightings = [s for s in self.sightings if s["article_id"] != aid]
        if text is not None:
            row["text"] = text
        row["meetings"], row["countries"] = derived.meetings, derived.countries
        self.figures[aid] = [(aid, i, position, *f) for i, f in enumerate(derived.figures)]
        self._classify(version, position, derived.memberships)

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
        self,
        version: ArticleVersion,
        position: int,
        memberships: Sequence[tuple[str, float, str]],
    ) -> None:
        """Enter the topics it now belongs to (keeping its place), leave the others."""
        aid = version.article_id
        current = self.entries.setdefault(aid, {})
        fresh = {topic for topic, _, _ in memberships}
        for topic_id in [t for t in current if t not in fresh]:
            self._touch(topic_id, current.pop(topic_id)[0], position)
        for topic, score, explanation in memberships:
            if topic in current:
                seq = current[topic][0]
            else:
                head = self.heads.setdefault(topic, [1, 0])
                seq, head[0] = head[0], head[0] + 1
            current[topic] = (seq, score, explanation)
            self._touch(topic, seq, position)

    def shown_text(self, aid: str) -> str | None:
        """Title and text of the version the view shows now (None for an unknown article)."""
        row = self.new_articles.get(aid) or self.changed_articles.get(aid)
        if row is None:
            a = self.t["feed_articles"]
            query = select(a.c.title, a.c.text).where(a.c.article_id == aid)
            found = self.conn.execute(query).first()
            return None if found is None else f"{found.title}\n\n{found.text}"
        return f"{row['title']}\n\n{as_text(row['text'])}"

    def sighting(self, aid: str, source_id: str, url: str | None, position: int) -> None:
        self.sightings.append(
            {"article_id": aid, "position": position, "source_id": source_id, "url": url}
        )
        for topic_id, (seq, _, _) in self.entries.get(aid, {}).items():
            self._touch(topic_id, seq, position)

    def _touch(self, topic_id: str, seq: int, position: int) -> None:
        self.pages[(topic_id, (seq - 1) // self.page_size + 1)] = position
        head = self.heads.setdefault(topic_id, [1, 0])
        head[1] = position

    def flush(self) -> None:
        conn, t = self.conn, self.t
        row_of = itemgetter(*ARTICLE_COLUMNS)
        rows = [row_of(row) for row in self.new_articles.values()]
        insert_rows(conn, t["feed_articles"], ARTICLE_COLUMNS, rows, utf8=("text",))
        articles = t["feed_articles"]
        for aid, row in self.changed_articles.items():
            values = {k: as_text(v) for k, v in row.items() if k != "article_id"}
            conn.execute(update(articles).where(articles.c.article_id == aid).values(**values))
        figures = t["figures"]
        replaced = [aid for aid in self.figures if aid not in self.new_articles]
        for chunk in chunks(replaced, 500):
            conn.execute(delete(figures).where(figures.c.article_id.in_(chunk)))
        rows = [row for rows in self.figures.values() for row in rows]
        insert_rows(conn, figures, ("article_id", "ordinal", "position", *FIGURE_COLUMNS), rows)
        seen = t["feed_sightings"]
        for chunk in chunks(sorted(self.unsighted), 500):
            conn.execute(delete(seen).where(seen.c.article_id.in_(chunk)))
        if self.sightings:
            conn.execute(insert(seen), self.sightings)
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
                inserts.append((topic_id, aid, seq, score, explanation))
            deletes.extend((topic_id, aid) for topic_id in before if topic_id not in now)
        for topic_id, aid in deletes:
            self.conn.execute(
                delete(entries).where(entries.c.topic_id == topic_id, entries.c.article_id == aid)
            )
        insert_rows(self.conn, entries, ENTRY_COLUMNS, inserts)

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
