"""Story pages published incrementally are the pages a replay builds: a member's new
sighting, a revision taking the old text's sightings off, a publish that falls between the
two views' commits, a regrouping that ends a story. Each case came from an attack on the
promise that feeds and pages are a pure function of the log and the configuration."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import feedparser

from feeds.config import FeedsConfig
from feeds.copies import Settings
from feeds.projections import build_projections
from feeds.publisher import publish_all
from newsfacts import article_stream
from store import EventStore, ProjectionRunner
from tests.feeds.copies import EDITS, Doc, load_meetings, overlapping_parts
from tests.support.articles import article_uuid, ingested, iso, sighted
from tests.support.published import published_files


def _append(store: EventStore, name: str, doc: Doc, n: int, source: str, version: int = 1) -> None:
    event = ingested(
        name, title=doc.title, text=doc.text, language=doc.language, n=n, version=version
    )
    assert doc.day is not None
    published = datetime(doc.day.year, doc.day.month, doc.day.day, 9, tzinfo=UTC)
    data = {**event.data, "source_id": source, "published": iso(published + timedelta(minutes=n))}
    stream = article_stream(str(data["article_id"]))
    store.append(stream, [replace(event, data=data)], expected_version=store.stream_version(stream))


def _sight(store: EventStore, name: str, source: str, n: int) -> None:
    stream = article_stream(article_uuid(name))
    store.append(
        stream,
        [sighted(name, source_id=source, n=n)],
        expected_version=store.stream_version(stream),
    )


def _story(store: EventStore, edit: str = "byline-and-caption") -> tuple[Doc, Doc]:
    """A Vietnamese meeting report from "vna" and a copy of it from "site0": one story."""
    first, other = [m for m in load_meetings() if m.language == "vi"][:2]
    _append(store, first.key, first, 0, "vna")
    _append(store, "copy", EDITS[edit](first, random.Random(1)), 1, "site0")
    return first, other


def _also(config: FeedsConfig, name: str) -> set[str]:
    """The "also reported by" links of article `name`'s entry in the `all` feed."""
    feed = feedparser.parse((config.output_dir / "feeds" / "all.atom").read_bytes())
    lead = next(e for e in feed.entries if e.id == f"urn:uuid:{article_uuid(name)}")
    return {link.href for link in lead.links if link.get("title", "").startswith("Also")}


def _publish(store: EventStore, config: FeedsConfig) -> ProjectionRunner:
    runner = ProjectionRunner(store, build_projections(config))
    runner.catch_up()
    publish_all(runner, config)
    return runner


def _assert_a_replay_publishes_the_same(
    runner: ProjectionRunner, config: FeedsConfig, tmp_path: Path
) -> None:
    """The same log replayed and published afresh: the same bytes, file for file."""
    runner.replay()
    fresh = replace(config, output_dir=tmp_path / "fresh")
    publish_all(runner, fresh)
    incremental, rebuilt = published_files(config.output_dir), published_files(fresh.output_dir)
    assert sorted(incremental) == sorted(rebuilt)
    assert [rel for rel in rebuilt if incremental[rel] != rebuilt[rel]] == []


def test_pages_published_as_the_log_grows_are_the_pages_a_replay_builds(
    store: EventStore, config: FeedsConfig, tmp_path: Path
) -> None:
    first, other = _story(store)
    _publish(store, config)
    page = config.output_dir / "stories" / f"{article_uuid(first.key)}.html"
    assert page.exists()
    # A new sighting of a member: its story's page lists it (it had stayed as it was).
    _sight(store, "copy", "nhandan", 3)
    _publish(store, config)
    assert b"nhandan" in page.read_bytes()
    # The lead is rewritten into another story: the sightings of its old text go.
    _sight(store, first.key, "laodong", 4)
    _publish(store, config)
    assert b"laodong" in page.read_bytes()
    assert f"https://other.example.la/{first.key}" in _also(config, first.key)
    rewrite = replace(other, key=first.key)
    _append(store, first.key, rewrite, 5, "vna", version=2)
    runner = _publish(store, config)
    assert b"laodong" not in page.read_bytes()
    assert f"https://other.example.la/{first.key}" not in _also(config, first.key)
    _assert_a_replay_publishes_the_same(runner, config, tmp_path)


def test_a_publish_between_the_views_commits_still_writes_the_story_page(
    store: EventStore, config: FeedsConfig
) -> None:
    """The worker publishes while its projection process catches up, which commits a
    batch's topics before its stories: a publish in between recorded the topics' position,
    and the next one never rendered the stories of that batch."""
    first, _ = _story(store)
    runner = ProjectionRunner(store, build_projections(config))
    runner.catch_up("topics")
    publish_all(runner, config)
    runner.catch_up("stories")
    publish_all(runner, config)
    assert (config.output_dir / "stories" / f"{article_uuid(first.key)}.html").exists()


def test_a_story_regrouped_away_by_a_replay_loses_its_page(
    store: EventStore, config: FeedsConfig
) -> None:
    first, _ = _story(store, "rewritten-lead")
    _publish(store, config)
    page = config.output_dir / "stories" / f"{article_uuid(first.key)}.html"
    assert page.exists()
    strict = replace(
        config, stories=Settings(jaccard=0.99, containment=0.99), stories_across_languages=False
    )
    runner = ProjectionRunner(store, build_projections(strict))
    runner.replay("stories")
    report = publish_all(runner, strict)
    assert not page.exists()
    assert f"stories/{page.name}" in report.removed


def test_an_archive_page_is_republished_when_a_story_on_it_grows(
    store: EventStore, config: FeedsConfig, tmp_path: Path
) -> None:
    """An archive page renders each entry's story ("also reported by"), but was
    re-rendered only when its own entries changed: a copy or sighting joining an archived
    story left the page as it was, unlike a replay's."""
    small = replace(config, entries_per_feed=1)
    first, other = _story(store)
    _append(store, other.key, other, 2, "vna")  # a newer story: the first is archived
    for n, doc in enumerate([m for m in load_meetings() if m.language == "en"][:2], 3):
        _append(store, doc.key, doc, n, "vnnews")
    _publish(store, small)
    archive = small.output_dir / "feeds" / "all" / "archive" / "1.atom"
    assert f"urn:uuid:{article_uuid(first.key)}".encode() in archive.read_bytes()
    assert b"nhandan" not in archive.read_bytes()
    _sight(store, "copy", "nhandan", 9)  # the archived story grows
    runner = _publish(store, small)
    assert b"nhandan" in archive.read_bytes()
    _assert_a_replay_publishes_the_same(runner, small, tmp_path)


def test_an_archive_page_that_showed_a_merged_story_is_republished(
    store: EventStore, config: FeedsConfig, tmp_path: Path
) -> None:
    """Two stories merge when an article bridges them: the younger one's lead entry, on an
    archive page by then, turns into a copy's, which shows nothing. The page was left
    showing it (only the pages of a changed story's present lead were rendered again),
    unlike a replay's."""
    small = replace(config, entries_per_feed=1)
    meeting = next(m for m in load_meetings() if m.language == "vi")
    older, younger = overlapping_parts(meeting)  # two stories until the whole arrives
    _append(store, "older", older, 0, "vna")
    _append(store, "younger", younger, 1, "nhandan")
    _append(
        store, "younger-copy", EDITS["byline-and-caption"](younger, random.Random(1)), 2, "site0"
    )
    for n, doc in enumerate([m for m in load_meetings() if m.language == "en"][:2], 3):
        _append(store, doc.key, doc, n, "vnnews")
    _publish(store, small)
    younger_id = f"urn:uuid:{article_uuid('younger')}".encode()
    archive = small.output_dir / "feeds" / "all" / "archive" / "2.atom"
    assert younger_id in archive.read_bytes()
    assert (small.output_dir / "stories" / f"{article_uuid('younger')}.html").exists()
    _append(store, "bridge", meeting, 5, "baochinhphu")  # the whole report: both halves
    runner = _publish(store, small)
    assert younger_id not in archive.read_bytes()
    assert not (small.output_dir / "stories" / f"{article_uuid('younger')}.html").exists()
    _assert_a_replay_publishes_the_same(runner, small, tmp_path)


def test_an_archive_page_published_before_its_copy_was_grouped_is_republished(
    store: EventStore, config: FeedsConfig, tmp_path: Path
) -> None:
    """A publish between the views' commits (the worker's) renders a copy the stories view
    has not grouped yet as an entry of its own, on an archive page; once grouped, the copy
    shows nothing, but only its story's lead's page was rendered again."""
    small = replace(config, entries_per_feed=1)
    _story(store)  # a report, and a copy of it (archive page 2 of `all`)
    runner = ProjectionRunner(store, build_projections(small))
    runner.catch_up("topics")
    publish_all(runner, small)
    archive = small.output_dir / "feeds" / "all" / "archive" / "2.atom"
    copy_id = f"urn:uuid:{article_uuid('copy')}".encode()
    assert copy_id in archive.read_bytes()  # not grouped yet: an entry of its own
    runner.catch_up("stories")
    publish_all(runner, small)
    assert copy_id not in archive.read_bytes()  # before: the page stayed as it was
    _assert_a_replay_publishes_the_same(runner, small, tmp_path)


def test_an_archive_page_whose_copy_leads_once_the_topics_view_catches_up_is_republished(
    store: EventStore, config: FeedsConfig, tmp_path: Path
) -> None:
    """The stories view ahead of the topics view at a publish (`replay --projection
    stories`, or its catch-up alone): a revision takes the story's lead out of a topic,
    where a copy becomes the lead; the topics view, caught up later, moves only the old
    lead's page, and the stories view did not move since the last publish."""
    small = replace(config, entries_per_feed=1)
    first, other = _story(store)  # both in bilateral-meetings: seq 1 (lead) and 2 (copy)
    _append(store, other.key, other, 2, "vna")  # a newer entry: seq 2 is an archive page
    _publish(store, small)
    archive = small.output_dir / "feeds" / "bilateral-meetings" / "archive" / "2.atom"
    copy_id = f"urn:uuid:{article_uuid('copy')}".encode()
    assert copy_id not in archive.read_bytes()
    # The first report is rewritten into a text of no meeting: it leaves the topic.
    _append(store, first.key, _plain(first.key), 3, "vna", version=2)
    runner = ProjectionRunner(store, build_projections(small))
    runner.catch_up("stories")  # or runner.replay("stories"): the same
    publish_all(runner, small)
    runner.catch_up("topics")
    publish_all(runner, small)
    assert copy_id in archive.read_bytes()  # before: the copy leading there now went unshown
    _assert_a_replay_publishes_the_same(runner, small, tmp_path)


def test_an_archive_page_where_a_story_led_before_its_copy_was_grouped_is_republished(
    store: EventStore, config: FeedsConfig, tmp_path: Path
) -> None:
    """The first report left the topic and came back (a later entry) after its copy entered;
    published while the stories view lagged, both were entries of their own. Once grouped,
    the copy leads, and the first report's page must hide it (found by a review: only the
    earliest entry of each group of members was rendered again, here the copy's)."""
    small = replace(config, entries_per_feed=1)
    first = next(m for m in load_meetings() if m.language == "vi")
    _append(store, first.key, first, 0, "vna")  # in the topic: entry 1
    _publish(store, small)
    _append(store, first.key, _plain(first.key), 1, "vna", version=2)  # leaves the topic
    _append(store, "copy", EDITS["byline-and-caption"](first, random.Random(1)), 2, "site0")
    _append(store, first.key, first, 3, "vna", version=3)  # back: entry 3, after the copy's
    runner = ProjectionRunner(store, build_projections(small))
    runner.catch_up("topics")  # the stories view behind
    publish_all(runner, small)
    page = small.output_dir / "feeds" / "bilateral-meetings" / "archive" / "3.atom"
    lead = f"urn:uuid:{article_uuid(first.key)}".encode()
    assert lead in page.read_bytes()
    runner.catch_up("stories")
    publish_all(runner, small)
    assert lead not in page.read_bytes()  # the copy leads the story now, on page 2
    _assert_a_replay_publishes_the_same(runner, small, tmp_path)


def _plain(key: str) -> Doc:
    """An article about rice prices: no meeting, no figures of trade."""
    return Doc(
        key,
        "Giá lúa gạo ổn định",
        ("Giá lúa gạo tại Đồng bằng sông Cửu Long ổn định trong tuần.",) * 2,
        date(2025, 1, 8),
    )
