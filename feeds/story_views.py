"""Read side of the stories view: each story with its members, why each joined and how
closely, and the other places it was seen — for `newsledger stories`, feeds and pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Connection, Select, Table, case, func, select

from feeds.bulk import chunks

Tables = Mapping[str, Table]

#: Stories whose first entry in a topic `story_entries` remembers at most (~3 MB): a
#: publish renders a topic's pages in order, and a story's entries are close together.
FIRST_SEQS_KEPT = 20_000


@dataclass(frozen=True, slots=True)
class Member:
    article_id: str
    position: int
    reason: str  # first | copy | meeting
    via: str | None
    jaccard: float | None
    containment: float | None
    why: str | None
    source_id: str
    url: str | None
    title: str
    language: str | None
    published: str | None
    sightings: tuple[tuple[str, str | None], ...] = ()  # (source id, url)

    def as_json(self) -> dict[str, Any]:
        return {
            "article_id": self.article_id,
            "reason": self.reason,
            "via": self.via,
            "jaccard": self.jaccard,
            "containment": self.containment,
            "why": self.why,
            "source_id": self.source_id,
            "url": self.url,
            "title": self.title,
            "language": self.language,
            "published": self.published,
            "sightings": [{"source_id": s, "url": u} for s, u in self.sightings],
        }


@dataclass(frozen=True, slots=True)
class Story:
    story_id: str  # the first article's id: stable as copies join
    title: str
    languages: tuple[str, ...]
    first_position: int
    last_position: int
    members: tuple[Member, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "story_id": self.story_id,
            "title": self.title,
            "languages": list(self.languages),
            "first_position": self.first_position,
            "last_position": self.last_position,
            "members": [m.as_json() for m in self.members],
        }


def stories(
    conn: Connection, tables: Tables, *, min_members: int = 1, ids: list[str] | None = None
) -> list[Story]:
    """Stories with at least `min_members` members (or those in `ids`), oldest first."""
    s, m, seen = tables["stories"], tables["story_members"], tables["story_sightings"]
    query = select(s).where(s.c.members >= min_members).order_by(s.c.first_position)
    if ids is None:
        heads = conn.execute(query).all()
    else:
        heads = [
            h
            for some in chunks(ids, BATCH)
            for h in conn.execute(query.where(s.c.story_id.in_(some)))
        ]
        heads.sort(key=lambda h: h.first_position)
    wanted = [h.story_id for h in heads]
    members: dict[str, list[Any]] = {}
    for some in chunks(wanted, BATCH):  # a story's members are in one batch, in order
        query = select(*(m.c[name] for name in _LISTED)).where(m.c.story_id.in_(some))
        for row in conn.execute(query.order_by(m.c.member)):
            members.setdefault(row.story_id, []).append(row)
    article_ids = [row.article_id for rows in members.values() for row in rows]
    sightings: dict[str, list[tuple[str, str | None]]] = {}
    for some in chunks(article_ids, BATCH):  # a wire story's members are thousands of ids
        query = (
            select(seen.c.article_id, seen.c.source_id, seen.c.url)
            .where(seen.c.article_id.in_(some))
            .order_by(seen.c.position)
        )
        for article_id, source_id, url in conn.execute(query):
            sightings.setdefault(article_id, []).append((source_id, url))
    return [
        Story(
            story_id=h.story_id,
            title=h.title,
            languages=_languages(h.languages),
            first_position=h.first_position,
            last_position=h.last_position,
            members=tuple(
                Member(
                    article_id=r.article_id,
                    position=r.position,
                    reason=r.reason,
                    via=r.via,
                    jaccard=r.jaccard,
                    containment=r.containment,
                    why=r.why,
                    source_id=r.source_id,
                    url=r.url,
                    title=r.title,
                    language=r.language,
                    published=r.published,
                    sightings=tuple(sightings.get(r.article_id, ())),
                )
                for r in members.get(h.story_id, ())
            ),
        )
        for h in heads
    ]


#: The member columns a listing reads, by name: the tables of an earlier version of the
#: view, shown as they stand (with a warning) until rebuilt, may lack the newer columns.
_LISTED = ("story_id", *(f.name for f in fields(Member) if f.name != "sightings"))


def story_of(conn: Connection, tables: Tables, article_ids: list[str]) -> dict[str, str]:
    """article id -> its story's id, for the given articles that are grouped."""
    m = tables["story_members"]
    if not article_ids:
        return {}
    query = select(m.c.article_id, m.c.story_id).where(m.c.article_id.in_(article_ids))
    return {a: s for a, s in conn.execute(query)}


@dataclass(frozen=True, slots=True)
class StoryEntry:
    """How a topic feed shows an article that belongs to a story of several copies."""

    story_id: str
    lead: bool  # the story's earliest entry in this topic: the one entry shown
    languages: tuple[str, ...]
    #: (source id, url) of every other copy and sighting; only a lead's is read (the other
    #: entries are left out of the feed), so it is empty when `lead` is False
    also: tuple[tuple[str, str | None], ...]


def story_entries(
    conn: Connection,
    topic_tables: Tables,
    story_tables: Tables,
    topic_id: str,
    seqs: Mapping[str, int],
    first_seqs: dict[str, int | None] | None = None,
) -> dict[str, StoryEntry]:
    """For the given entries of a topic (article id -> its seq there, as the caller read
    them) that belong to a story of several members: whether each is the story's lead in
    this topic (its earliest entry there), and for a lead what else reported it. The
    lead's id never changes as copies join, since copies come later.

    Only the leads' stories are read whole. An archive page of a topic that a wire story
    filled with its copies read that story's every member and sighting for each copy on
    the page, and a publish of 21,000 articles in 20 stories of 1,000 copies took 6.5
    minutes (the worker benchmark's feeds: README).

    `first_seqs` (story id -> its earliest entry's seq in the topic, None for none) is
    filled and reused: a publisher passes one per topic, so that a story spread over many
    pages is looked up once, not once per page (in one read transaction it cannot change)."""
    m, s = story_tables["story_members"], story_tables["stories"]
    if not seqs:
        return {}
    grouped: dict[str, tuple[str, str]] = {}
    ids = list(seqs)
    for some in chunks(ids, BATCH):
        query = (
            select(m.c.article_id, m.c.story_id, s.c.languages)
            .join(s, s.c.story_id == m.c.story_id)
            .where(m.c.article_id.in_(some), s.c.members > 1)
        )
        grouped.update(
            (str(a), (str(story), str(langs))) for a, story, langs in conn.execute(query)
        )
    if not grouped:
        return {}
    wanted = sorted({story for story, _ in grouped.values()})
    # Each story's earliest entry in the topic (`seq` is unique in a topic).
    first = {} if first_seqs is None else first_seqs
    missing = [story for story in wanted if story not in first]
    if len(first) + len(missing) > FIRST_SEQS_KEPT:
        first.clear()  # memory stays bounded; a story met again is looked up again
        missing = wanted
    for some in chunks(missing, BATCH):
        in_topic = _first_entries_in(topic_tables, story_tables, some, topic_id)
        counted = {story: seq for story, seq in conn.execute(in_topic)}
        first.update((story, counted.get(story)) for story in some)
    leads = {a for a, (story, _) in grouped.items() if first[story] in (None, seqs[a])}
    full = {
        story.story_id: story
        for story in stories(conn, story_tables, ids=sorted({grouped[a][0] for a in leads}))
    }
    found: dict[str, StoryEntry] = {}
    for article_id, (story_id, languages) in grouped.items():
        if article_id not in leads:
            found[article_id] = StoryEntry(story_id, False, _languages(languages), ())
            continue
        story = full[story_id]
        also: list[tuple[str, str | None]] = []
        for member in story.members:
            if member.article_id != article_id:
                also.append((member.source_id, member.url))
            also.extend(member.sightings)
        found[article_id] = StoryEntry(story_id, True, story.languages, tuple(also))
    return found


def _languages(stored: str) -> tuple[str, ...]:
    """A story's languages as stored (sorted, comma-separated)."""
    return tuple(filter(None, stored.split(",")))


def pages_of_changed_stories(
    conn: Connection, topics: Tables, stories: Tables, size: int, since: int
) -> dict[str, set[int]]:
    """Per topic, its pages of `size` entries whose rendering a change to a story after
    position `since` (a member or sighting joined, a revision, a merge) may have changed.
    An entry renders its story: the lead's lists the other reports, a copy's shows nothing.
    The topic's own page stamps do not follow that: a copy joining an archived story left
    its page as it was, unlike a replay's (tests/feeds/test_story_pages_published.py).

    So for each changed story, the earliest entry of each group of its members:
    - those that were its members at `since`: they held the lead then, unless it left the
      topic (its page then moved with the topic); and if a copy now leads, it is one;
    - those that came with each story merged into it since (`merged`), per story they first
      joined (`joined`, which merges leave as it was): one of them led that story;
    - each member that joined after `since`, alone: a publish made while the topics view
      was ahead of the stories view showed such a copy as an entry of its own.
    Not every member's page: a wire story's copies fill thousands of pages, which show the
    same nothing as before; nor the pages where stories merged before `since` led, rendered
    then (grouped by `joined` alone: 40 more archive pages rendered, 2.3 s instead of 1.0,
    after 100 new articles of feeds_bench at 10,000)."""
    rows = stories["stories"]
    changed = list(
        conn.execute(select(rows.c.story_id).where(rows.c.last_position > since)).scalars()
    )
    m, e = stories["story_members"], topics["topic_entries"]
    moved_with = case((m.c.merged > since, m.c.joined))
    newer = case((m.c.position > since, m.c.article_id))
    found: dict[str, set[int]] = {}
    for some in chunks(changed, BATCH):
        query = (
            select(e.c.topic_id, func.min(e.c.seq))
            .join(e, e.c.article_id == m.c.article_id)
            .where(m.c.story_id.in_(some))
            .group_by(e.c.topic_id, m.c.story_id, moved_with, newer)
        )
        for topic_id, seq in conn.execute(query):
            found.setdefault(topic_id, set()).add((seq - 1) // size + 1)
    return found


def _first_entries_in(
    topics: Tables, stories: Tables, story_ids: Sequence[str], topic_id: str
) -> Select[str, int | None]:
    """(story, seq) of each story's earliest entry in one topic, its lead there (the one
    entry that shows the story, `story_entries`), None where it has none there. Driven by
    the stories' members, each looked up under the topic's key: joined instead, SQLite
    walked the topic's every entry (0.1 s a publish at 30,000)."""
    m, e = stories["story_members"], topics["topic_entries"]
    seq = select(e.c.seq).where(e.c.topic_id == topic_id, e.c.article_id == m.c.article_id)
    return (
        select(m.c.story_id, func.min(seq.scalar_subquery()))
        .where(m.c.story_id.in_(story_ids))
        .group_by(m.c.story_id)
    )


#: Ids a statement is given at most: PostgreSQL takes 65,535 parameters a statement.
BATCH = 5000
