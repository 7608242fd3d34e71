"""The stories projection: which article is a copy of which, grouped into stories, with the
similarity that joined each — a derived view, so changing the thresholds and running
`replay` regroups the whole log the same way every time."""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import (
    Column,
    Connection,
    Float,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)

from feeds.articles import ArticleVersion
from feeds.neardup import Grouper, Join, Settings
from feeds.shingles import Hashes, shingles
from feeds.story_meetings import MeetingIndex, MeetingKey, meeting_events, meeting_key
from newsfacts import ARTICLE_INGESTED, ARTICLE_SIGHTED, ARTICLE_TYPES
from store import Projection, RecordedEvent, view_table

Tables = Mapping[str, Table]


def stories_tables(generation: int) -> dict[str, Table]:
    return {
        "story_members": view_table(
            "story_members",
            generation,
            Column("article_id", String(64), primary_key=True),
            Column("member", Integer, nullable=False, unique=True),  # order of arrival
            Column("position", Integer, nullable=False),
            Column("story_id", String(64), nullable=False, index=True),
            Column("via", String(64)),  # the earlier article it was found to copy
            Column("jaccard", Float),
            Column("containment", Float),
            Column("reason", String(20), nullable=False),  # first | copy | meeting
            Column("why", Text),  # for a meeting: which meeting, which dates
            Column("meeting", Text),  # JSON MeetingKey of its main meeting, or null
            Column("source_id", String(200), nullable=False),
            Column("url", Text),
            Column("title", Text, nullable=False),
            Column("language", String(35)),
            Column("published", String(20)),
            Column("bands", LargeBinary, nullable=False),  # LSH band keys, uint32
            Column("body", LargeBinary, nullable=False),  # zlib of title + text, for copies
        ),
        "story_sightings": view_table(
            "story_sightings",
            generation,
            Column("article_id", String(64), primary_key=True),
            Column("position", Integer, primary_key=True),
            Column("source_id", String(200), nullable=False),
            Column("url", Text),
        ),
        "stories": view_table(
            "stories",
            generation,
            Column("story_id", String(64), primary_key=True),
            Column("first_position", Integer, nullable=False, index=True),
            Column("last_position", Integer, nullable=False),  # the last member joined
            Column("members", Integer, nullable=False),
            Column("languages", String(200), nullable=False),  # sorted, comma-separated
            Column("title", Text, nullable=False),
        ),
    }


@dataclass
class _State:
    """The grouper of one generation of tables, rebuilt from them after a restart."""

    grouper: Grouper
    meetings: MeetingIndex
    next_member: int


#: The meeting events of an article version, as `Meeting.as_json()` dicts.
MeetingsOf = Callable[[ArticleVersion], list[dict[str, Any]]]


def article_meetings(article: ArticleVersion) -> list[dict[str, Any]]:
    """The meeting events of an article version (the topics' extractor)."""
    return meeting_events(article.title, article.text, article.language)


class StoriesProjection(Projection):
    """Each article version, in log order, joins the story of its closest earlier copy."""

    name = "stories"
    types = ARTICLE_TYPES

    def __init__(
        self, settings: Settings | None = None, *, meetings_of: MeetingsOf | None = None
    ) -> None:
        self.settings = settings or Settings()
        self.meetings_of = meetings_of
        self._states: dict[str, _State] = {}
        shingles("", "")  # build the normalisation tables now, not inside the first poll

    def tables(self, generation: int) -> dict[str, Table]:
        return stories_tables(generation)

    def apply(self, conn: Connection, tables: Tables, events: Sequence[RecordedEvent]) -> None:
        state = self._state(conn, tables)
        batch = _Batch(conn, tables)
        try:
            for event in events:
                if event.type == ARTICLE_SIGHTED.name:
                    batch.sightings.append(_sighting(event))
                elif event.type == ARTICLE_INGESTED.name:
                    version = ArticleVersion.from_data(event.data)
                    self._article(batch, state, version, event.position)
                # A revision keeps its article's story (a feed entry's id never moves); its
                # new text is not re-grouped.
            batch.flush()
        except BaseException:
            # The transaction rolls back: the in-memory grouper is ahead of the tables, so
            # forget it and rebuild it from them next time.
            self._states.clear()
            raise

    def _state(self, conn: Connection, tables: Tables) -> _State:
        members = tables["story_members"]
        state = self._states.get(members.name)
        if state is None:
            state = _State(Grouper(self.settings), MeetingIndex(), 0)
            columns = (
                members.c.article_id,
                members.c.story_id,
                members.c.bands,
                members.c.meeting,
                members.c.language,
            )
            rows = conn.execute(select(*columns).order_by(members.c.member))
            for article_id, story_id, bands, meeting, language in rows:
                keys = np.frombuffer(bands, dtype=np.uint32)
                state.grouper.restore(article_id, keys, story_id)
                if meeting:
                    key = MeetingKey.from_json(json.loads(meeting))
                    state.meetings.add(key, article_id, story_id, language)
                state.next_member += 1
            self._states = {members.name: state}  # one generation at a time in memory
        return state

    def _article(self, batch: _Batch, state: _State, article: ArticleVersion, at: int) -> None:
        hashes = shingles(article.title, article.text)
        join: Join = state.grouper.add(article.article_id, hashes, batch.shingles_of)
        similarity = join.similarity
        story, via, why = join.story, join.via, None
        reason = "first" if join.via is None else "copy"
        meeting = None
        # Only an article that copies nothing is read for meetings: a copy's story already
        # holds the meeting of the text it copies.
        if self.meetings_of is not None and join.via is None:
            meeting = meeting_key(self.meetings_of(article), article.published)
        if meeting is not None:
            found = state.meetings.find(meeting, article.language)
            if found is not None:
                story, via, reason, why = found.story, found.via, "meeting", found.why
                state.grouper.move_last(story)
            state.meetings.add(meeting, article.article_id, story, article.language)
        # Level 1: a third of the size of the text for a fifth of level 6's time (measured).
        body = zlib.compress(f"{article.title}\n\n{article.text}".encode(), 1)
        batch.bodies[article.article_id] = body
        batch.members.append(
            {
                "article_id": article.article_id,
                "member": state.next_member,
                "position": at,
                "story_id": story,
                "via": via,
                "jaccard": None if similarity is None else round(similarity.jaccard, 4),
                "containment": None if similarity is None else round(similarity.containment, 4),
                "reason": reason,
                "why": why,
                "meeting": None if meeting is None else json.dumps(meeting.as_json()),
                "source_id": article.source_id,
                "url": article.url,
                "title": article.title,
                "language": article.language,
                "published": article.published,
                "bands": join.keys.tobytes(),
                "body": body,
            }
        )
        state.next_member += 1
        batch.story(story, article, at, new=story == article.article_id)


class _Batch:
    """The rows of one batch of events, written with one statement per table at the end."""

    def __init__(self, conn: Connection, tables: Tables) -> None:
        self.conn, self.tables = conn, tables
        self.members: list[dict[str, Any]] = []
        self.sightings: list[dict[str, Any]] = []
        self.bodies: dict[str, bytes] = {}
        self.new: dict[str, dict[str, Any]] = {}  # stories started in this batch
        self.changed: dict[str, dict[str, Any]] = {}  # earlier stories that grew

    def shingles_of(self, article_id: str) -> Hashes:
        """An earlier article's shingles, from its stored title and text."""
        body = self.bodies.get(article_id)
        if body is None:
            members = self.tables["story_members"]
            query = select(members.c.body).where(members.c.article_id == article_id)
            body = self.conn.execute(query).scalar_one()
        title, _, text = zlib.decompress(body).decode("utf-8").partition("\n\n")
        return shingles(title, text)

    def story(self, story_id: str, article: ArticleVersion, at: int, *, new: bool) -> None:
        row = self.new.get(story_id) or self.changed.get(story_id)
        if row is None and new:  # the article starts its own story: no row to look up
            row = self.new[story_id] = {
                "story_id": story_id,
                "first_position": at,
                "last_position": at,
                "members": 0,
                "languages": "",
                "title": article.title,
            }
        if row is None:
            stories = self.tables["stories"]
            found = self.conn.execute(select(stories).where(stories.c.story_id == story_id)).first()
            if found is None:
                row = self.new[story_id] = {
                    "story_id": story_id,
                    "first_position": at,
                    "last_position": at,
                    "members": 0,
                    "languages": "",
                    "title": article.title,
                }
            else:
                row = self.changed[story_id] = dict(found._mapping)
        row["last_position"] = at
        row["members"] += 1
        languages = {*filter(None, row["languages"].split(",")), *filter(None, [article.language])}
        row["languages"] = ",".join(sorted(languages))

    def flush(self) -> None:
        t = self.tables
        if self.members:
            self.conn.execute(insert(t["story_members"]), self.members)
        if self.sightings:
            self.conn.execute(insert(t["story_sightings"]), self.sightings)
        if self.new:
            self.conn.execute(insert(t["stories"]), list(self.new.values()))
        stories = t["stories"]
        for row in self.changed.values():
            self.conn.execute(
                update(stories)
                .where(stories.c.story_id == row["story_id"])
                .values(
                    last_position=row["last_position"],
                    members=row["members"],
                    languages=row["languages"],
                )
            )


def _sighting(event: RecordedEvent) -> dict[str, Any]:
    data = event.data
    return {
        "article_id": str(data["article_id"]),
        "position": event.position,
        "source_id": str(data.get("source_id") or ""),
        "url": data.get("canonical_url") or data.get("url") or None,
    }
