"""The rows one batch of the stories projection writes: members, sightings and stories,
collected in memory and written with one statement per table, plus the merge of a younger
story into an older one when an article bridges them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, select, update

from feeds.articles import ArticleVersion
from feeds.bulk import chunks, insert_rows, select_in
from feeds.shingles import Hashes, shingles_many
from store import EventsAt

Tables = Mapping[str, Table]

#: Candidates' events decoded at once when read back together (a few passes' worth).
_DECODED = 64


def title_and_text(data: Mapping[str, Any]) -> tuple[str, str]:
    """An ingested article version's title and text, read from its event's document as
    the projection read them when it grouped the article (`ArticleVersion.from_data`)."""
    version = ArticleVersion.from_data(data)
    return version.title, version.text


class StoryRows:
    """The rows of one batch of events, written with one statement per table at the end:
    the stories this batch started as whole rows, the earlier stories it changed as
    changes, read and applied together at the flush (no look-up per copy).

    Collected by reading on `conn` only (earlier articles' positions in the view, their
    texts in the log through `events_at`), and written by `flush` on the connection of
    the write transaction: the grouping that decides the rows runs before that
    transaction, which holds SQLite's one write lock (the log's too) only for the
    writing (StoriesProjection.plan)."""

    def __init__(self, conn: Connection, tables: Tables, events_at: EventsAt) -> None:
        self.conn, self.tables, self.events_at = conn, tables, events_at
        self.members: list[dict[str, Any]] = []
        self.sightings: list[dict[str, Any]] = []
        #: articles whose sightings changed, at the position of the change: their stories'
        #: pages are rendered again (`last_position`)
        self.touched: dict[str, int] = {}
        self.unsighted_ids: set[str] = set()  # revised: their stored sightings go
        self.positions: dict[str, int] = {}  # this batch's articles: their events' positions
        self.new: dict[str, dict[str, Any]] = {}  # stories started in this batch
        self.grown: dict[str, _Growth] = {}  # earlier stories that grew
        self.gone: list[str] = []  # earlier stories merged into older ones
        #: (into, younger, position of the bridging article), in order, for stored members
        self.merges: list[tuple[str, str, int]] = []

    def shingles_of(self, article_id: str) -> Hashes:
        """An earlier article's shingles, from its title and text (this batch's or stored)."""
        [found] = self.shingles_of_many([article_id])
        return found

    def shingles_of_many(self, article_ids: list[str]) -> list[Hashes]:
        """`shingles_of` each of earlier articles, from their events in the log (the view
        keeps no texts): positions of this batch's from memory, the stored ones' read with
        one query per 500 (`select_in`); the events read and fingerprinted in passes of a
        few dozen (`shingles_many`)."""
        at = {a: self.positions[a] for a in article_ids if a in self.positions}
        if len(at) < len(article_ids):
            members = self.tables["story_members"]
            rest = [a for a in article_ids if a not in at]
            at.update(select_in(self.conn, members, ("article_id", "position"), "article_id", rest))
        found: list[Hashes] = []
        for part in chunks(article_ids, _DECODED):
            events = self.events_at([at[a] for a in part], conn=self.conn)
            found.extend(shingles_many([title_and_text(events[at[a]].data) for a in part]))
        return found

    def sighted(self, row: dict[str, Any]) -> None:
        self.sightings.append(row)
        self.touched[row["article_id"]] = row["position"]

    def unsighted(self, article_id: str, at: int) -> None:
        """Article `article_id` was revised at `at`: the sightings of the text it replaced
        are not of its story any more ("also reported by" a source that never published the
        new text), as the topics view drops them from its entry."""
        self.sightings = [s for s in self.sightings if s["article_id"] != article_id]
        self.unsighted_ids.add(article_id)
        self.touched[article_id] = at

    def story(self, story_id: str, article: ArticleVersion, at: int, *, new: bool) -> None:
        """Article `article`, at position `at`, joined story `story_id` (which it starts
        when `new`)."""
        row = self.new.get(story_id)
        if row is None and new:
            row = self.new[story_id] = {
                "story_id": story_id,
                "first_position": at,
                "last_position": at,
                "members": 0,
                "languages": "",
                "title": article.title,
            }
        if row is not None:
            row["last_position"] = at
            row["members"] += 1
            row["languages"] = _languages(row["languages"], article.language or "")
        else:
            self.grown.setdefault(story_id, _Growth()).add(1, at, article.language or "")

    def merge(self, into: str, younger: str, at: int) -> None:
        """Move every member of story `younger` to the older story `into`, by the article
        at position `at`."""
        self.merges.append((into, younger, at))
        for member in self.members:
            if member["story_id"] == younger:
                member["story_id"], member["merged"] = into, at
        row = self.new.pop(younger, None)
        growth = self.grown.pop(younger, None) or _Growth()
        if row is not None:  # started in this batch: its row becomes growth of `into`
            growth.add(row["members"], row["last_position"], row["languages"])
        else:  # a stored row: read and deleted at the flush
            growth.absorbed.append(younger)
            self.gone.append(younger)
        target = self.new.get(into)
        if target is None:
            self.grown.setdefault(into, _Growth()).fold(growth)
        else:  # both started in this batch (never a stored row into a newer story)
            target["members"] += growth.members
            target["last_position"] = max(target["last_position"], growth.last_position)
            target["languages"] = _languages(target["languages"], *growth.languages)

    def flush(self, conn: Connection) -> None:
        """Write the batch's rows on `conn`, in the write transaction."""
        t = self.tables
        stories, members = t["stories"], t["story_members"]
        # The stored members of merged stories, in the order the merges happened (a story
        # that absorbed another may itself be absorbed later in the batch); this batch's
        # own members were moved in memory.
        for into, younger, at in self.merges:
            moved = update(members).where(members.c.story_id == younger)
            conn.execute(moved.values(story_id=into, merged=at))
        seen = t["story_sightings"]
        for chunk in chunks(sorted(self.unsighted_ids), 500):
            conn.execute(delete(seen).where(seen.c.article_id.in_(chunk)))
        self._touch(conn)
        # As tuples through the driver (feeds/bulk.py): SQLAlchemy's per-row parameter
        # processing cost as much as SQLite inserting them (when members held 5 KB texts).
        for table, rows in (
            (members, self.members),
            (t["story_sightings"], self.sightings),
            (stories, list(self.new.values())),
        ):
            if rows:
                insert_rows(conn, table, tuple(rows[0]), [tuple(row.values()) for row in rows])
        if not self.grown:
            return
        wanted = sorted({*self.grown, *(a for g in self.grown.values() for a in g.absorbed)})
        stored: dict[str, Any] = {}
        for chunk in chunks(wanted, 500):
            query = select(stories).where(stories.c.story_id.in_(chunk))
            stored.update((row.story_id, row) for row in conn.execute(query))
        changes = []
        for story_id, growth in sorted(self.grown.items()):
            for absorbed in growth.absorbed:
                old = stored[absorbed]
                growth.add(old.members, old.last_position, old.languages)
            row = stored[story_id]
            changes.append(
                {
                    "key": story_id,
                    "last_position": max(row.last_position, growth.last_position),
                    "members": row.members + growth.members,
                    "languages": _languages(row.languages, *growth.languages),
                }
            )
        if self.gone:
            conn.execute(delete(stories).where(stories.c.story_id.in_(self.gone)))
        key = stories.c.story_id == bindparam("key")
        conn.execute(update(stories).where(key), changes)

    def _touch(self, conn: Connection) -> None:
        """Move the stories of the articles whose sightings changed to the position of the
        change: a story page lists its members' sightings, and the publisher renders again
        only the pages of stories that moved (a new sighting's page had stayed stale)."""
        if not self.touched:
            return
        story_of = {m["article_id"]: m["story_id"] for m in self.members}
        stored = [a for a in self.touched if a not in story_of]
        members = self.tables["story_members"]
        story_of.update(select_in(conn, members, ("article_id", "story_id"), "article_id", stored))
        for article_id, at in self.touched.items():
            story_id = story_of.get(article_id)
            if story_id is None:
                continue  # not grouped (an article the view has not seen)
            row = self.new.get(story_id)
            if row is not None:
                row["last_position"] = max(row["last_position"], at)
            else:
                self.grown.setdefault(story_id, _Growth()).add(0, at, "")


class _Growth:
    """What a stored story gained in one batch."""

    def __init__(self) -> None:
        self.members = 0
        self.last_position = 0
        self.languages: list[str] = []
        self.absorbed: list[str] = []  # stored stories merged into it

    def add(self, members: int, last_position: int, languages: str) -> None:
        self.members += members
        self.last_position = max(self.last_position, last_position)
        self.languages.append(languages)

    def fold(self, other: _Growth) -> None:
        self.members += other.members
        self.last_position = max(self.last_position, other.last_position)
        self.languages.extend(other.languages)
        self.absorbed.extend(other.absorbed)


def _languages(*lists: str) -> str:
    """The union of comma-separated language lists, sorted."""
    return ",".join(sorted({lang for part in lists for lang in part.split(",") if lang}))
