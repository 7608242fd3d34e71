"""Read side of the stories view: each story with its members, why each joined and how
closely, and the other places it was seen — for `newsledger stories`, feeds and pages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, select

Tables = Mapping[str, Table]


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
    if ids is not None:
        query = query.where(s.c.story_id.in_(ids))
    heads = conn.execute(query).all()
    wanted = [h.story_id for h in heads]
    members: dict[str, list[Any]] = {}
    for row in (
        conn.execute(select(m).where(m.c.story_id.in_(wanted)).order_by(m.c.member))
        if wanted
        else ()
    ):
        members.setdefault(row.story_id, []).append(row)
    article_ids = [row.article_id for rows in members.values() for row in rows]
    sightings: dict[str, list[tuple[str, str | None]]] = {}
    if article_ids:
        query = (
            select(seen.c.article_id, seen.c.source_id, seen.c.url)
            .where(seen.c.article_id.in_(article_ids))
            .order_by(seen.c.position)
        )
        for article_id, source_id, url in conn.execute(query):
            sightings.setdefault(article_id, []).append((source_id, url))
    return [
        Story(
            story_id=h.story_id,
            title=h.title,
            languages=tuple(filter(None, h.languages.split(","))),
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
    also: tuple[tuple[str, str | None], ...]  # (source id, url) of every other copy/sighting


def story_entries(
    conn: Connection,
    topic_tables: Tables,
    story_tables: Tables,
    topic_id: str,
    article_ids: list[str],
) -> dict[str, StoryEntry]:
    """For the given entries of a topic that belong to a story of several members: whether
    each is the story's lead in this topic (its earliest entry there), and what else
    reported it. The lead's id never changes as copies join, since copies come later."""
    m, s, e = story_tables["story_members"], story_tables["stories"], topic_tables["topic_entries"]
    if not article_ids:
        return {}
    query = (
        select(m.c.article_id, m.c.story_id)
        .join(s, s.c.story_id == m.c.story_id)
        .where(m.c.article_id.in_(article_ids), s.c.members > 1)
    )
    story_of: dict[str, str] = {str(a): str(b) for a, b in conn.execute(query)}
    if not story_of:
        return {}
    wanted = sorted(set(story_of.values()))
    leads: dict[str, tuple[int, str]] = {}
    query = (
        select(m.c.story_id, e.c.seq, m.c.article_id)
        .join(e, e.c.article_id == m.c.article_id)
        .where(e.c.topic_id == topic_id, m.c.story_id.in_(wanted))
    )
    for row in conn.execute(query):
        key = (int(row.seq), str(row.article_id))
        if row.story_id not in leads or key < leads[row.story_id]:
            leads[row.story_id] = key
    full = {story.story_id: story for story in stories(conn, story_tables, ids=wanted)}
    found: dict[str, StoryEntry] = {}
    for article_id, story_id in story_of.items():
        story = full[story_id]
        also: list[tuple[str, str | None]] = []
        for member in story.members:
            if member.article_id != article_id:
                also.append((member.source_id, member.url))
            also.extend(member.sightings)
        found[article_id] = StoryEntry(
            story_id=story_id,
            lead=leads.get(story_id, (0, article_id))[1] == article_id,
            languages=story.languages,
            also=tuple(also),
        )
    return found
