"""The stories projection on a real log (SQLite and PostgreSQL): copies join one story with
their similarity recorded, sightings are kept, a replay rebuilds identical rows, a threshold
change plus a replay regroups, and a restarted process goes on grouping where it stopped."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from feeds.config import parse_config
from feeds.copies import Settings
from feeds.errors import ConfigError
from feeds.projections import build_projections
from feeds.stories import StoriesProjection
from feeds.story_views import stories
from newsfacts import article_stream
from store import EventStore, ProjectionRunner
from tests.feeds.copies import EDITS, Doc, load_meetings
from tests.support.articles import article_uuid, ingested, sighted


def _append(store: EventStore, name: str, doc: Doc, n: int, source: str = "vna") -> None:
    event = ingested(name, title=doc.title, text=doc.text, language=doc.language, n=n)
    event = replace(event, data={**event.data, "source_id": source})
    store.append(article_stream(str(event.data["article_id"])), [event])


def _log(store: EventStore) -> dict[str, str]:
    """Three meeting reports, and four edited copies of the first from other sites."""
    meetings = [m for m in load_meetings() if m.language == "vi"][:3]
    names = {}
    for n, doc in enumerate(meetings):
        _append(store, doc.key, doc, n)
        names[doc.key] = doc.key
    rng = random.Random(5)
    for n, edit in enumerate(
        ("byline-and-caption", "truncated", "changed-headline", "dropped-lead")
    ):
        copy = EDITS[edit](meetings[0], rng)
        _append(store, f"copy-{edit}", copy, 10 + n, source=f"site{n}")
        names[f"copy-{edit}"] = meetings[0].key
    return names


def _rows(runner: ProjectionRunner) -> dict[str, list[tuple[Any, ...]]]:
    tables = runner.tables("stories")
    with runner.store.engine.connect() as conn:
        return {
            name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
            for name, t in sorted(tables.items())
        }


def _stories(runner: ProjectionRunner) -> dict[str, str]:
    members = runner.tables("stories")["story_members"]
    with runner.store.engine.connect() as conn:
        rows = conn.execute(select(members.c.article_id, members.c.story_id))
        return {article: story for article, story in rows}


def test_copies_from_other_sites_join_the_first_reports_story_with_their_similarity(
    store: EventStore,
) -> None:
    names = _log(store)
    runner = ProjectionRunner(store, [StoriesProjection()])
    runner.catch_up()
    stories = _stories(runner)
    for name, original in names.items():
        assert stories[article_uuid(name)] == article_uuid(original), name
    tables = runner.tables("stories")
    members, stories_table = tables["story_members"], tables["stories"]
    with store.engine.connect() as conn:
        copy = conn.execute(
            select(members).where(members.c.article_id == article_uuid("copy-truncated"))
        ).one()
        story = conn.execute(
            select(stories_table).where(stories_table.c.story_id == copy.story_id)
        ).one()
    assert copy.reason == "copy" and copy.via is not None
    assert copy.containment == 1.0 and copy.jaccard < 0.7
    assert story.members == 5 and story.languages == "vi"


def test_sightings_are_kept_for_also_reported_by(store: EventStore) -> None:
    _log(store)
    first = load_meetings()[0]
    store.append(
        article_stream(article_uuid(first.key)),
        [sighted(first.key, source_id="nhandan", n=1)],
        expected_version=1,
    )
    runner = ProjectionRunner(store, [StoriesProjection()])
    runner.catch_up()
    rows = _rows(runner)["story_sightings"]
    assert [(r[0], r[2], r[3]) for r in rows] == [
        (article_uuid(first.key), "nhandan", f"https://other.example.la/{first.key}")
    ]


def test_replay_rebuilds_identical_rows(store: EventStore) -> None:
    _log(store)
    runner = ProjectionRunner(store, [StoriesProjection()], batch_size=2)
    runner.catch_up()
    before = _rows(runner)
    runner.replay("stories")
    assert _rows(runner) == before


def test_a_threshold_change_and_a_replay_regroup_the_log(store: EventStore) -> None:
    _log(store)
    runner = ProjectionRunner(store, [StoriesProjection()])
    runner.catch_up()
    assert len(set(_stories(runner).values())) == 3
    strict = ProjectionRunner(store, [StoriesProjection(Settings(jaccard=1.0, containment=1.0))])
    strict.replay("stories")
    # Only a copy whose shingles are all in the original can still join: the truncated one.
    regrouped = _stories(strict)
    assert len(set(regrouped.values())) > 3
    assert regrouped[article_uuid("copy-truncated")] == article_uuid(load_meetings()[0].key)


def test_a_restarted_projection_goes_on_grouping_from_its_tables(store: EventStore) -> None:
    meetings = load_meetings()
    _append(store, meetings[0].key, meetings[0], 0)
    _append(store, meetings[2].key, meetings[2], 1)
    ProjectionRunner(store, [StoriesProjection()]).catch_up()
    copy = EDITS["dropped-paragraphs"](meetings[0], random.Random(1))
    _append(store, "late-copy", copy, 5, source="provincial")
    restarted = ProjectionRunner(store, [StoriesProjection()])  # a new process's objects
    restarted.catch_up()
    assert _stories(restarted)[article_uuid("late-copy")] == article_uuid(meetings[0].key)


def test_the_view_keeps_no_text_a_restarted_process_reads_its_candidates_from_the_log(
    store: EventStore,
) -> None:
    meetings = load_meetings()
    _append(store, meetings[0].key, meetings[0], 0)
    ProjectionRunner(store, [StoriesProjection()]).catch_up()
    runner = ProjectionRunner(store, [StoriesProjection()])  # a new process: nothing cached
    read: list[int] = []
    log = runner.store.events_at

    def events_at(positions: Any, *, conn: Any = None) -> Any:
        read.extend(positions)
        return log(positions, conn=conn)

    runner.projections["stories"].bind(events_at)
    _append(store, "copy", EDITS["dropped-lead"](meetings[0], random.Random(2)), 1, source="x")
    runner.catch_up()
    assert _stories(runner)[article_uuid("copy")] == article_uuid(meetings[0].key)
    assert read == [1]  # the original's event, to confirm the copy against its words
    # No column of the view holds an article's text (the log does).
    sentence = meetings[0].text.split("\n")[-1][:80]
    for rows in _rows(runner).values():
        for value in (v for row in rows for v in row):
            text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
            assert sentence not in text


def test_two_processes_taking_turns_group_as_one(store: EventStore) -> None:
    # The worker's projection process and the worker itself (or two replicas) may both
    # apply: each must see the members the other added, not only those it remembers.
    meetings = load_meetings()
    first = ProjectionRunner(store, [StoriesProjection()])
    _append(store, meetings[0].key, meetings[0], 0)
    first.catch_up()  # `first` now holds a grouper in memory
    second = ProjectionRunner(store, [StoriesProjection()])
    copy = EDITS["dropped-lead"](meetings[0], random.Random(2))
    _append(store, "copy-one", copy, 1, source="site1")
    second.catch_up()
    again = EDITS["byline-and-caption"](meetings[0], random.Random(3))
    _append(store, "copy-two", again, 2, source="site2")
    first.catch_up()  # its grouper in memory lacks "copy-one": it must reload, not collide
    grouped = _stories(first)
    story = article_uuid(meetings[0].key)
    assert grouped[article_uuid("copy-one")] == story
    assert grouped[article_uuid("copy-two")] == story
    members = first.tables("stories")["story_members"]
    with store.engine.connect() as conn:
        numbers = sorted(conn.execute(select(members.c.member)).scalars())
    assert numbers == list(range(len(numbers)))  # no member number given twice


def test_the_stories_thresholds_come_from_the_configuration(tmp_path: Path) -> None:
    config = parse_config(
        {"stories": {"jaccard": 0.8, "containment": 1}}, file="x.toml", base_dir=tmp_path
    )
    assert (config.stories.jaccard, config.stories.containment) == (0.8, 1.0)
    projections = {p.name: p for p in build_projections(config)}
    assert isinstance(projections["stories"], StoriesProjection)
    assert projections["stories"].settings == config.stories
    bad_values = ({"jaccard": 0}, {"containment": 1.5}, {"jaccard": "high"}, {"bands": 3})
    for bad in (*bad_values, {"across_languages": "yes"}):
        with pytest.raises(ConfigError, match=r"x\.toml: \[stories\]"):
            parse_config({"stories": bad}, file="x.toml", base_dir=tmp_path)


def test_the_stories_view_lists_each_story_with_its_members_and_sightings(
    store: EventStore,
) -> None:
    names = _log(store)
    first = load_meetings()[0]
    store.append(
        article_stream(article_uuid(first.key)),
        [sighted(first.key, source_id="nhandan", n=1)],
        expected_version=1,
    )
    runner = ProjectionRunner(store, [StoriesProjection()])
    runner.catch_up()
    with store.engine.connect() as conn:
        found = stories(conn, runner.tables("stories"), min_members=2)
    assert [s.story_id for s in found] == [article_uuid(first.key)]
    story = found[0]
    assert [m.article_id for m in story.members] == [
        article_uuid(n) for n, origin in names.items() if origin == first.key
    ]
    head, *copies = story.members
    assert head.reason == "first" and head.sightings == (
        ("nhandan", f"https://other.example.la/{first.key}"),
    )
    assert all(m.reason == "copy" and m.via and m.jaccard is not None for m in copies)
    assert story.as_json()["members"][1]["source_id"] == "site0"


def test_the_topics_views_reading_spares_the_stories_view_its_meeting_precheck(
    store: EventStore, tmp_path: Path
) -> None:
    """An article naming no foreign country is turned down by the stories' meeting pre-check,
    a scan of its whole text. In the worker both views catch up together and the topics
    view has just extracted every article's meetings: the stories view takes them from the
    extractor's memo instead of scanning, and its rows are those a replay of the stories
    view alone builds, where the pre-check runs."""
    from feeds import meetings

    for n, province in enumerate(("Hà Tĩnh", "Nghệ An", "Quảng Bình")):
        paragraphs = (
            f"Thủ tướng làm việc với lãnh đạo tỉnh {province} về đầu tư công năm {2023 + n}.",
            f"Tỉnh {province} báo cáo giải ngân đạt {40 + n},5% kế hoạch, cao hơn cùng kỳ.",
        )
        doc = Doc(f"home-{n}", f"Thủ tướng làm việc tại {province}", paragraphs)
        assert not meetings.may_meet_two_countries(doc.title, doc.text)
        _append(store, doc.key, doc, n)
    config = parse_config({}, file="newsledger.toml", base_dir=tmp_path)
    runner = ProjectionRunner(store, build_projections(config))
    meetings._recent.clear()
    assert runner.catch_up() == {"topics": 3, "stories": 3}
    assert (meetings._recent.misses, meetings._recent.hits) == (3, 3)
    together = _rows(runner)
    meetings._recent.clear()
    runner.replay("stories")  # alone: nothing extracted them just before
    assert (meetings._recent.misses, meetings._recent.hits) == (0, 0)  # turned down
    assert _rows(runner) == together


def test_stories_are_listed_from_the_tables_an_earlier_version_built(store: EventStore) -> None:
    """Until a worker or `replay` rebuilds the view after an upgrade, `newsledger stories`
    shows it as it stands, with a warning: tables made before a column was added (the
    story each member joined) made it fail with "no such column"."""
    _log(store)
    runner = ProjectionRunner(store, [StoriesProjection()])
    runner.catch_up()
    members = runner.tables("stories")["story_members"]
    with store.engine.connect() as conn:
        before = stories(conn, runner.tables("stories"), min_members=2)
    with store.engine.begin() as conn:
        conn.exec_driver_sql(f"ALTER TABLE {members.name} DROP COLUMN joined")
    with store.engine.connect() as conn:
        assert stories(conn, runner.tables("stories"), min_members=2) == before != []


def test_an_article_bridging_two_stories_merges_the_younger_into_the_older(
    store: EventStore,
) -> None:
    meeting = load_meetings()[0]
    half = len(meeting.paragraphs) // 2
    older = replace(meeting, paragraphs=meeting.paragraphs[:half])
    younger = replace(meeting, title="Tiếp theo", paragraphs=meeting.paragraphs[half:])
    _append(store, "older", older, 0)
    runner = ProjectionRunner(store, [StoriesProjection()], batch_size=1)
    runner.catch_up()  # the older story is in the table before the bridge arrives
    _append(store, "younger", younger, 1, source="site1")
    _append(store, "bridge", meeting, 2, source="site2")  # the whole report: both halves
    _append(store, "late", younger, 3, source="site3")
    runner.catch_up()
    assert set(_stories(runner).values()) == {article_uuid("older")}
    tables = runner.tables("stories")
    with store.engine.connect() as conn:
        rows = conn.execute(select(tables["stories"])).all()
    assert [(r.story_id, r.members) for r in rows] == [(article_uuid("older"), 4)]
    with store.engine.connect() as conn:
        listed = stories(conn, tables)
    assert [m.reason for m in listed[0].members] == ["first", "first", "copy", "copy"]
    # A replay in one batch and a restarted process reach the same rows.
    before = _rows(runner)
    ProjectionRunner(store, [StoriesProjection()]).replay("stories")
    assert _rows(runner) == before


def test_the_stories_view_reads_the_meetings_the_topics_view_just_extracted(
    store: EventStore, tmp_path: Path
) -> None:
    from feeds import meetings

    _log(store)  # seven articles, each naming Laos: past the stories' meeting pre-check
    config = parse_config({}, file="newsledger.toml", base_dir=tmp_path)
    runner = ProjectionRunner(store, build_projections(config))
    meetings._recent.clear()
    assert runner.catch_up() == {"topics": 7, "stories": 7}
    # One extraction per article, the topics view's: the stories view finds each in the
    # extractor's memo of recent articles (batch by batch on a long catch-up, as the two
    # read the log together: tests/store/test_catch_up_together.py).
    assert (meetings._recent.misses, meetings._recent.hits) == (7, 7)
