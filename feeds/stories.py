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

from feeds.articles import INGESTED, REVISED, SIGHTED, ArticleVersion
from feeds.neardup import Grouper, Join, Settings
from feeds.shingles import Hashes, shingles
from feeds.story_meetings import MeetingIndex, MeetingKey, meeting_key
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


class StoriesProjection(Projection):
    """Each article version, in log order, joins the story of its closest earlier copy."""

    name = "stories"
    types = frozenset({INGESTED, REVISED, SIGHTED})

    def __init__(
        self, settings: Settings | None = None, *, meetings_of: MeetingsOf | None = None
    ) -> None:
        self.settings = settings or Settings()
        self.meetings_of = meetings_of
        self._states: dict[str, _State] = {}

    def tables(self, generation: int) -> dict[str, Table]:
        return stories_tables(generation)

    def apply(self, conn: Connection, tables: Tables, events: Sequence[RecordedEvent]) -> None:
        state = self._state(conn, tables)
        try:
            for event in events:
                if event.type == SIGHTED:
                    self._sighting(conn, tables, event)
                elif event.type == INGESTED:
                    version = ArticleVersion.from_data(event.data)
                    self._article(conn, tables, state, version, event)
                # A revision keeps its article's story (a feed entry's id never moves); its
                # new text is not re-grouped.
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
            columns = (members.c.article_id, members.c.story_id, members.c.bands, members.c.meeting)
            rows = conn.execute(select(*columns).order_by(members.c.member))
            for article_id, story_id, bands, meeting in rows:
                keys = np.frombuffer(bands, dtype=np.uint32)
                state.grouper.restore(article_id, keys, story_id)
                if meeting:
                    key = MeetingKey.from_json(json.loads(meeting))
                    state.meetings.add(key, article_id, story_id)
                state.next_member += 1
            self._states = {members.name: state}  # one generation at a time in memory
        return state

    def _article(
        self,
        conn: Connection,
        tables: Tables,
        state: _State,
        article: ArticleVersion,
        event: RecordedEvent,
    ) -> None:
        members = tables["story_members"]

        def shingles_of(article_id: str) -> Hashes:
            body = conn.execute(
                select(members.c.body).where(members.c.article_id == article_id)
            ).scalar_one()
            title, _, text = zlib.decompress(body).decode("utf-8").partition("\n\n")
            return shingles(title, text)

        hashes = shingles(article.title, article.text)
        join: Join = state.grouper.add(article.article_id, hashes, shingles_of)
        similarity = join.similarity
        story, via, reason, why = (
            join.story,
            join.via,
            "first" if join.via is None else "copy",
            None,
        )
        meeting = None
        if self.meetings_of is not None:
            meeting = meeting_key(self.meetings_of(article), article.published)
        if meeting is not None:
            found = state.meetings.find(meeting) if join.via is None else None
            if found is not None:
                story, via, reason, why = found.story, found.via, "meeting", found.why
                state.grouper.move_last(story)
            state.meetings.add(meeting, article.article_id, story)
        conn.execute(
            insert(members).values(
                article_id=article.article_id,
                member=state.next_member,
                position=event.position,
                story_id=story,
                via=via,
                jaccard=None if similarity is None else round(similarity.jaccard, 4),
                containment=None if similarity is None else round(similarity.containment, 4),
                reason=reason,
                why=why,
                meeting=None if meeting is None else json.dumps(meeting.as_json(), sort_keys=True),
                source_id=article.source_id,
                url=article.url,
                title=article.title,
                language=article.language,
                published=article.published,
                bands=(state.grouper.band_keys(hashes) if len(hashes) else _NO_KEYS).tobytes(),
                body=zlib.compress(f"{article.title}\n\n{article.text}".encode(), 6),
            )
        )
        state.next_member += 1
        self._story(conn, tables, story, article, event.position)

    def _story(
        self, conn: Connection, tables: Tables, story_id: str, article: ArticleVersion, at: int
    ) -> None:
        stories = tables["stories"]
        row = conn.execute(select(stories).where(stories.c.story_id == story_id)).first()
        language = article.language or ""
        if row is None:
            conn.execute(
                insert(stories).values(
                    story_id=story_id,
                    first_position=at,
                    last_position=at,
                    members=1,
                    languages=language,
                    title=article.title,
                )
            )
            return
        languages = sorted({*filter(None, row.languages.split(",")), *filter(None, [language])})
        conn.execute(
            update(stories)
            .where(stories.c.story_id == story_id)
            .values(last_position=at, members=row.members + 1, languages=",".join(languages))
        )

    def _sighting(self, conn: Connection, tables: Tables, event: RecordedEvent) -> None:
        data = event.data
        conn.execute(
            insert(tables["story_sightings"]).values(
                article_id=str(data["article_id"]),
                position=event.position,
                source_id=str(data.get("source_id") or ""),
                url=data.get("canonical_url") or data.get("url") or None,
            )
        )


_NO_KEYS = np.zeros(0, dtype=np.uint32)
