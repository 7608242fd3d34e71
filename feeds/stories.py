"""The stories projection: which article is a copy of which, grouped into stories, with the
similarity that joined each — a derived view, so changing the thresholds and running
`replay` regroups the whole log the same way every time."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
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
    func,
    select,
)

from feeds.articles import ArticleVersion
from feeds.copies import Settings
from feeds.derivation import deriving_code
from feeds.neardup import Grouper, Join
from feeds.shingles import shingles
from feeds.story_facts import BatchFacts, Fingerprint, MeetingsOf, StoryFacts, story_facts
from feeds.story_meetings import MeetingIndex, MeetingKey
from feeds.story_rows import StoryRows
from newsfacts import ARTICLE_TYPES
from store import EventsAt, Projection, RecordedEvent, view_table

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
            # The story it joined, kept when that story merges into an older one, and the
            # position of the article that last merged it into another: the publisher
            # finds by them the pages that showed a merged story's lead.
            Column("joined", String(64), nullable=False),
            Column("merged", Integer),
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
            # No text: the event at `position` holds it (`StoryRows.shingles_of_many`).
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
            # the last member joined, or a member's sightings changed (its page shows them)
            Column("last_position", Integer, nullable=False),
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


class StoriesProjection(Projection):
    """Each article version, in log order, joins the story of its earlier copies."""

    name = "stories"
    types = ARTICLE_TYPES

    def __init__(
        self, settings: Settings | None = None, *, meetings_of: MeetingsOf | None = None
    ) -> None:
        self.settings = settings or Settings()
        self.meetings_of = meetings_of
        self._states: dict[str, _State] = {}
        self._events_at: EventsAt | None = None
        shingles("", "")  # build the normalisation tables now, not inside the first poll

    def __getstate__(self) -> dict[str, Any]:
        # Sent to the worker processes of `prepare`: the settings, not the grouper nor
        # the log's reader (which holds the store).
        return {
            "settings": self.settings,
            "meetings_of": self.meetings_of,
            "_states": {},
            "_events_at": None,
        }

    def bind(self, events_at: EventsAt) -> None:
        self._events_at = events_at

    def _log(self) -> EventsAt:
        if self._events_at is None:
            raise RuntimeError("stories read earlier texts from the log: apply through a runner")
        return self._events_at

    def tables(self, generation: int) -> dict[str, Table]:
        return stories_tables(generation)

    def fingerprint(self) -> str:
        across = self.meetings_of is not None  # stories across languages
        return f"stories {self.settings!r} across_languages={across} code={deriving_code()}"

    def prepare(self, events: Sequence[RecordedEvent]) -> BatchFacts:
        """Each event's facts, with the fingerprint of each ingested article version: pure,
        the expensive part of grouping (a long catch-up or replay runs it in worker
        processes that read the events themselves; feeds/story_facts.py)."""
        return story_facts(events, self.settings, self.meetings_of)

    def apply(self, conn: Connection, tables: Tables, events: Sequence[RecordedEvent]) -> None:
        self.apply_prepared(conn, tables, self.prepare(events))

    def plan(self, conn: Connection, tables: Tables, prepared: Sequence[StoryFacts]) -> StoryRows:
        """Group a prepared batch: the grouper's decisions and the rows they make, reading
        on `conn` (earlier articles' positions and their events' texts) and writing
        nothing. The runner calls it before the write transaction, so that the
        transaction, on SQLite the log's one write lock, holds a poll's appends back only
        while the rows are written: grouping a thousand articles inside it kept the poll
        waiting for most of the time a projection process followed it (docs/stories.md,
        end to end). The grouper in memory moves ahead; if the rows are not written,
        `forget` drops it."""
        state = self._state(conn, tables)
        rows = StoryRows(conn, tables, self._log())
        try:
            keys = [f.fingerprint.keys for f in prepared if f.fingerprint]
            state.grouper.expect(keys, rows.shingles_of_many)
            for facts in prepared:
                if facts.sighting is not None:
                    rows.sighted(facts.sighting)
                elif facts.revised is not None:
                    rows.unsighted(facts.revised, facts.position)
                elif facts.version is not None:
                    assert facts.fingerprint is not None  # `prepare` made one for each version
                    self._article(
                        rows,
                        state,
                        facts.version,
                        facts.fingerprint,
                        facts.position,
                        apart_from=facts.adopted_from,
                    )
        except BaseException:
            self.forget()
            raise
        return rows

    def apply_prepared(
        self, conn: Connection, tables: Tables, prepared: Sequence[StoryFacts] | StoryRows
    ) -> None:
        """Write a batch's rows: planned already (`plan`), or planned here on `conn`."""
        rows = prepared if isinstance(prepared, StoryRows) else self.plan(conn, tables, prepared)
        try:
            rows.flush(conn)
        except BaseException:
            # The transaction rolls back: the in-memory grouper is ahead of the tables.
            self.forget()
            raise

    def forget(self) -> None:
        """Drop the grouper in memory; it is rebuilt from the tables when next needed."""
        self._states.clear()

    def _state(self, conn: Connection, tables: Tables) -> _State:
        members = tables["story_members"]
        state = self._states.get(members.name)
        if state is not None:
            # Another process (the worker's projection process, another replica) may have
            # applied events since: the grouper in memory lacks its members, and its member
            # numbers would collide with theirs (the batch would fail and be retried event by
            # event). Member numbers are dense, so the last one says whether the tables moved.
            last = conn.execute(select(func.max(members.c.member))).scalar_one()
            if (-1 if last is None else last) != state.next_member - 1:
                state = None
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
                    state.meetings.add(key, article_id, language)
                state.next_member += 1
            self._states = {members.name: state}  # one generation at a time in memory
        return state

    def _article(
        self,
        rows: StoryRows,
        state: _State,
        article: ArticleVersion,
        fingerprint: Fingerprint,
        at: int,
        *,
        apart_from: str | None = None,
    ) -> None:
        # An adopted text (ingest/record/adoption.py) is the text its first publisher
        # rewrote: in that article's story it would be listed beside the rewrite.
        join: Join = state.grouper.add(
            article.article_id,
            fingerprint.hashes,
            rows.shingles_of,
            keys=fingerprint.keys,
            apart_from=apart_from,
        )
        similarity = join.similarity
        story, via, why = join.story, join.via, None
        reason = "first" if join.via is None else "copy"
        # Only an article that copies nothing is matched by its meeting: a copy's story
        # already holds the meeting of the text it copies.
        meeting = fingerprint.meeting if join.via is None else None
        if meeting is not None:
            found = state.meetings.find(meeting, article.language, state.grouper.story_of)
            if found is not None and not (
                apart_from and state.grouper.same_story(found.via, apart_from)
            ):
                story = state.grouper.story_of(found.via)
                via, reason, why = found.via, "meeting", found.why
                state.grouper.move_last(story)
            state.meetings.add(meeting, article.article_id, article.language)
        rows.positions[article.article_id] = at
        rows.members.append(
            {
                "article_id": article.article_id,
                "member": state.next_member,
                "position": at,
                "story_id": story,
                "joined": story,
                "merged": None,
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
                "bands": fingerprint.keys.tobytes(),
            }
        )
        state.next_member += 1
        rows.story(story, article, at, new=story == article.article_id)
        for younger in join.merged:
            rows.merge(story, younger, at)
