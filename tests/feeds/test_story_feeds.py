"""Stories in the topic feeds: one entry per story, whose id and `updated` stay as copies join,
listing every copy and sighting as "also reported by"; valid Atom throughout."""

from __future__ import annotations

import os
import random
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import httpx
import pytest
from lxml import html as lxml_html  # type: ignore[import-untyped]
from sqlalchemy import select

from feeds.config import FeedsConfig
from feeds.projections import build_projections
from feeds.publisher import publish_all
from newsfacts import article_stream
from store import EventStore, ProjectionRunner
from tests.conftest import require_tool
from tests.feeds.conftest import ATOM_RNG, feeds_config
from tests.feeds.copies import EDITS, Doc, load_meetings, overlapping_parts
from tests.feeds.newsboat import cached, reload
from tests.feeds.serving import bound_socket, serving
from tests.support.articles import article_uuid, ingested, iso, sighted


def _append(store: EventStore, name: str, doc: Doc, n: int, source: str) -> None:
    event = ingested(name, title=doc.title, text=doc.text, language=doc.language, n=n)
    # Published on the report's own day: its "Chiều 8/1" or "on Wednesday" counts from it.
    assert doc.day is not None
    published = datetime(doc.day.year, doc.day.month, doc.day.day, 9, tzinfo=UTC)
    published += timedelta(minutes=n)
    data = {**event.data, "source_id": source, "published": iso(published)}
    store.append(article_stream(str(data["article_id"])), [replace(event, data=data)])


def _publish(store: EventStore, config: FeedsConfig) -> feedparser.FeedParserDict:
    runner = ProjectionRunner(store, build_projections(config))
    runner.catch_up()
    publish_all(runner, config)
    return feedparser.parse((config.output_dir / "feeds" / "all.atom").read_bytes())


def test_copies_are_one_entry_with_a_stable_id_and_updated_listing_every_copy(
    store: EventStore, config: FeedsConfig
) -> None:
    meetings = [m for m in load_meetings() if m.language == "vi"]
    first, other = meetings[0], meetings[1]
    _append(store, first.key, first, 0, "vna")
    _append(store, other.key, other, 1, "vna")
    before = _publish(store, config)
    lead = next(e for e in before.entries if e.id == f"urn:uuid:{article_uuid(first.key)}")
    rng = random.Random(2)
    for n, edit in enumerate(("byline-and-caption", "dropped-lead", "truncated")):
        _append(store, f"copy-{edit}", EDITS[edit](first, rng), 5 + n, f"site{n}")
    store.append(
        article_stream(article_uuid(first.key)),
        [sighted(first.key, source_id="nhandan", n=9)],
        expected_version=1,
    )
    after = _publish(store, config)
    assert after.bozo == 0
    assert sorted(e.id for e in after.entries) == sorted(e.id for e in before.entries)
    grouped = next(e for e in after.entries if e.id == lead.id)
    assert grouped.updated == lead.updated  # a copy joining does not move `updated`
    also = {link.href for link in grouped.links if link.get("title", "").startswith("Also")}
    assert also == {
        f"https://news.example.vn/copy-{edit}.html"
        for edit in ("byline-and-caption", "dropped-lead", "truncated")
    } | {f"https://other.example.la/{first.key}"}
    assert "site2" in grouped.content[0].value


def test_newsboat_holds_a_story_as_one_item_which_copies_joining_leave_read(
    sqlite_url: str, tmp_path: Path
) -> None:
    """A real reader subscribed to the served feed: a report and its copy are one item,
    which names the copy's source; copies that join later add no item, and leave the item
    its reader has read as read (its id and `updated` stay), while its text names them."""
    newsboat = require_tool("newsboat", "newsboat")
    sock, port = bound_socket()
    config = feeds_config(tmp_path, {"serve": {"port": port}})
    first, other = [m for m in load_meetings() if m.language == "vi"][:2]
    stories = {f"urn:uuid:{article_uuid(first.key)}", f"urn:uuid:{article_uuid(other.key)}"}
    env = {**os.environ, "HOME": str(tmp_path)}
    store = EventStore.open(sqlite_url)
    try:
        _append(store, first.key, first, 0, "vna")
        _append(store, other.key, other, 1, "vna")
        _append(store, "copy-0", EDITS["byline-and-caption"](first, random.Random(2)), 5, "site0")
        _publish(store, config)
        with serving(config, sock) as base:
            feed = [f"{base}/feeds/all.atom"]
            cache = reload(newsboat, tmp_path, "stories", feed, env)
            before = cached(cache, "SELECT guid, title, content FROM rss_item")
            cached(cache, "UPDATE rss_item SET unread = 0")  # its reader reads them all
            rng = random.Random(3)
            for n, edit in enumerate(("dropped-lead", "truncated"), 1):
                _append(store, f"copy-{n}", EDITS[edit](first, rng), 5 + n, f"site{n}")
            _publish(store, config)
            reload(newsboat, tmp_path, "stories", feed, env)
    finally:
        store.close()
    assert {guid for guid, _, _ in before} == stories and len(before) == 2
    lead = {guid: (title, content) for guid, title, content in before}[
        f"urn:uuid:{article_uuid(first.key)}"
    ]
    assert lead[0] == first.title
    assert "site0" in lead[1]
    after = cached(cache, "SELECT guid, unread, content FROM rss_item")
    assert {guid for guid, _, _ in after} == stories and len(after) == 2
    assert [unread for _, unread, _ in after] == [0, 0]
    joined = {guid: content for guid, _, content in after}[f"urn:uuid:{article_uuid(first.key)}"]
    assert all(f"site{n}" in joined for n in range(3))


def test_feeds_with_stories_validate_with_jing(store: EventStore, config: FeedsConfig) -> None:
    jing = require_tool("jing", "jing")
    meetings = load_meetings()
    for n, doc in enumerate(meetings):
        _append(store, doc.key, doc, n, "vna")
    rng = random.Random(4)
    for n, doc in enumerate(meetings[:3]):
        _append(store, f"copy-{n}", EDITS["byline-and-caption"](doc, rng), 20 + n, "site")
    small = replace(config, entries_per_feed=3, stories_across_languages=True)
    _publish(store, small)
    feeds = sorted((small.output_dir / "feeds").rglob("*.atom"))
    result = subprocess.run([jing, str(ATOM_RNG), *map(str, feeds)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    # The "all" feed and its archive pages: each story once in each document, at its first
    # report's place in the archive pages; the current document reads back past copies to
    # hold its newest stories, which may also be on the newest archive page (RFC 5005: a
    # reader keeps the newest document's copy of an entry).
    current = [small.output_dir / "feeds" / "all.atom"]
    archive = sorted((small.output_dir / "feeds" / "all" / "archive").glob("*.atom"))
    documents = [
        [e.id for e in feedparser.parse(p.read_bytes()).entries] for p in current + archive
    ]
    assert all(len(ids) == len(set(ids)) for ids in documents)
    archived = [i for ids in documents[1:] for i in ids]
    runner = ProjectionRunner(store, build_projections(small))
    members = runner.tables("stories")["story_members"]
    with store.engine.connect() as conn:
        leads = set(conn.execute(select(members.c.story_id)).scalars())
    assert sorted(set(archived) | set(documents[0])) == sorted(f"urn:uuid:{s}" for s in leads)
    assert len(archived) == len(set(archived))
    assert len(leads) < len(meetings)  # the English reports joined their meetings' stories


def test_the_story_page_shows_every_report_and_what_each_copy_changed(
    store: EventStore, tmp_path: Path
) -> None:
    sock, port = bound_socket()
    config = feeds_config(
        tmp_path, {"serve": {"port": port}, "stories": {"across_languages": True}}
    )
    first = next(m for m in load_meetings() if m.key == "vn-la-pm-talks-vi")
    english = next(m for m in load_meetings() if m.key == "vn-la-pm-talks-en")
    _append(store, first.key, first, 0, "vna")
    _append(store, "copy", EDITS["dropped-paragraphs"](first, random.Random(3)), 1, "nhandan")
    _append(store, english.key, english, 2, "vnnews")
    parsed = _publish(store, config)
    entry = next(e for e in parsed.entries if e.id == f"urn:uuid:{article_uuid(first.key)}")
    page_url = f"{config.base_url}/stories/{article_uuid(first.key)}"
    assert page_url in {link.href for link in entry.links}
    with serving(config, sock) as base:
        response = httpx.get(f"{base}/stories/{article_uuid(first.key)}")
        assert response.status_code == 200
        assert httpx.get(f"{base}/stories/no-such-story").status_code == 404
        assert httpx.get(f"{base}/stories/..%2Fstore.db").status_code == 404
    page = lxml_html.fromstring(response.content)
    rows = page.xpath("//table[@class='reports']/tr[td]")
    assert len(rows) == 3
    assert "first report" in rows[0].text_content()
    assert "Jaccard" in rows[1].text_content()  # the copy: its similarity
    assert "same meeting" in rows[2].text_content()  # the English report: why it joined
    assert page.xpath("//section[@class='report']//del")  # the dropped paragraph, struck out
    assert page.xpath("//section[@class='report'][@lang='en']")


def test_a_story_of_many_reports_lists_them_all_and_shows_the_first_texts_side_by_side(
    store: EventStore, config: FeedsConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wire story's hundreds of copies are rows of the page's table; only the first
    SIDE_BY_SIDE reports' texts (and what each changed) are on it."""
    from feeds import story_page

    monkeypatch.setattr(story_page, "SIDE_BY_SIDE", 2)
    first = next(m for m in load_meetings() if m.key == "vn-la-pm-talks-vi")
    _append(store, first.key, first, 0, "vna")
    for n, edit in enumerate(("dropped-paragraphs", "rewritten-lead", "byline-and-caption"), 1):
        _append(store, f"copy-{n}", EDITS[edit](first, random.Random(n)), n, f"site-{n}")
    read: list[int] = []
    events_at = store.events_at

    def reading(positions: list[int], **options: Any) -> Any:
        read.extend(positions)
        return events_at(positions, **options)

    monkeypatch.setattr(store, "events_at", reading)
    _publish(store, config)
    assert sorted(read) == [1, 2]  # the texts of the two reports shown, not the others'
    page_file = config.output_dir / "stories" / f"{article_uuid(first.key)}.html"
    page = lxml_html.fromstring(page_file.read_bytes())
    assert len(page.xpath("//table[@class='reports']/tr[td]")) == 4
    sections = page.xpath("//section[@class='report']")
    assert len(sections) == 2
    assert sections[1].xpath(".//del")  # the first copy's dropped paragraph
    assert "the other 2 are in the table above" in page.text_content()


def test_when_an_article_bridges_two_stories_the_older_entry_stays_and_the_younger_leaves(
    store: EventStore, config: FeedsConfig
) -> None:
    meeting = next(m for m in load_meetings() if m.language == "vi")
    older, younger = overlapping_parts(meeting)  # two stories until the whole arrives
    _append(store, "older", older, 0, "vna")
    _append(store, "younger", younger, 1, "nhandan")
    before = _publish(store, config)
    ids = {e.id for e in before.entries}
    older_id, younger_id = (f"urn:uuid:{article_uuid(k)}" for k in ("older", "younger"))
    assert {older_id, younger_id} <= ids  # two stories so far: nothing joins them
    _append(store, "bridge", meeting, 2, "baochinhphu")  # the whole report: both halves
    after = _publish(store, config)
    assert after.bozo == 0
    assert {e.id for e in after.entries} == ids - {younger_id}
    entry = next(e for e in after.entries if e.id == older_id)
    lead = next(e for e in before.entries if e.id == older_id)
    assert entry.updated == lead.updated  # a merge, like a copy joining, is not news
    also = {link.href for link in entry.links if link.get("title", "").startswith("Also")}
    assert also == {f"https://news.example.vn/{k}.html" for k in ("younger", "bridge")}


def test_story_pages_hold_about_a_thousand_reports_texts_at_once() -> None:
    from feeds.story_page import _chunks

    # A wire story reported 2,500 times is a chunk of its own; pairs fill chunks to 1,000.
    grown = [("a", 600), ("b", 600), ("wire", 2500), *((f"p{n}", 2) for n in range(600))]
    chunks = list(_chunks(grown))
    assert chunks[:3] == [["a"], ["b"], ["wire"]]
    assert [len(c) for c in chunks[3:]] == [500, 100]
    assert [i for c in chunks for i in c] == [i for i, _ in grown]  # every story, in order


def test_story_pages_and_feeds_are_the_same_whatever_the_chunks_and_batches(
    store: EventStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages rendered a story at a time, and every statement given two ids at a time (the
    batches that keep a wire story's thousands of ids under PostgreSQL's 65,535
    parameters), give the same bytes."""
    from feeds import story_page, story_views

    meetings = [m for m in load_meetings() if m.language == "vi"][:3]
    for n, doc in enumerate(meetings):
        _append(store, doc.key, doc, 10 * n, "vna")
        copy = EDITS["dropped-paragraphs"](doc, random.Random(n))
        _append(store, f"copy-{n}", copy, 10 * n + 1, "nhandan")
    config = feeds_config(tmp_path, {})
    _publish(store, config)
    pages = sorted((config.output_dir / "stories").glob("*.html"))
    assert len(pages) == 3
    before = {p.name: p.read_bytes() for p in pages}
    feeds_before = (config.output_dir / "feeds" / "all.atom").read_bytes()
    monkeypatch.setattr(story_page, "_REPORTS", 2)  # a chunk per story
    monkeypatch.setattr(story_views, "BATCH", 2)
    again = feeds_config(tmp_path / "again", {})  # published afresh, from the same views
    publish_all(ProjectionRunner(store, build_projections(again)), again)
    after = {p.name: p.read_bytes() for p in (again.output_dir / "stories").glob("*.html")}
    assert after == before
    assert (again.output_dir / "feeds" / "all.atom").read_bytes() == feeds_before


def test_a_page_of_a_storys_copies_reads_only_the_stories_it_leads(
    store: EventStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A wire story filling archive pages with its copies: each page read the whole story
    # (every member and sighting) for every copy on it, though only the lead's entry shows
    # them; 20 stories of 1,000 copies took 6.5 minutes to publish (README). Now a story
    # is read whole only for a document whose entries include its lead.
    import feeds.story_views as story_views
    import feeds.views as views

    pages: list[list[str]] = []  # the entries of each document read, as asked
    read: list[tuple[int, list[str]]] = []  # (document, stories read whole)
    entries_of, whole = story_views.story_entries, story_views.stories

    def entries(*args: Any) -> Any:
        pages.append(list(args[4]))  # the article ids asked about
        return entries_of(*args)

    def counted(*args: Any, **kwargs: Any) -> list[story_views.Story]:
        found = whole(*args, **kwargs)
        read.append((len(pages) - 1, [story.story_id for story in found]))
        return found

    monkeypatch.setattr(views, "story_entries", entries)
    monkeypatch.setattr(story_views, "stories", counted)
    first = next(m for m in load_meetings() if m.language == "vi")
    _append(store, first.key, first, 0, "vna")
    rng = random.Random(5)
    for n, (edit, change) in enumerate(sorted(EDITS.items())):
        _append(store, f"copy-{edit}", change(first, rng), 1 + n, f"site{n}")
    config = feeds_config(tmp_path, entries_per_feed=3)
    _publish(store, config)
    lead = article_uuid(first.key)
    with_copies_only = [n for n, ids in enumerate(pages) if ids and lead not in ids]
    assert len(with_copies_only) >= 4  # archive pages and current feeds of copies only
    assert [n for n, ids in read if lead in ids] == [
        n for n, ids in enumerate(pages) if lead in ids
    ]
    page = config.output_dir / "feeds" / "all" / "archive" / "1.atom"
    entry = next(
        e for e in feedparser.parse(page.read_bytes()).entries if e.id == f"urn:uuid:{lead}"
    )
    also = {link.href for link in entry.links if link.get("title", "").startswith("Also")}
    assert also == {f"https://news.example.vn/copy-{edit}.html" for edit in EDITS}


def test_the_memo_of_first_entries_is_bounded_and_changes_no_byte(
    store: EventStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import feeds.story_views as story_views

    meetings = [m for m in load_meetings() if m.language == "vi"][:3]
    rng = random.Random(7)
    for n, doc in enumerate(meetings):
        _append(store, doc.key, doc, 10 * n, "vna")
        for k, edit in enumerate(("dropped-lead", "truncated", "byline-and-caption")):
            _append(store, f"{doc.key}-{edit}", EDITS[edit](doc, rng), 10 * n + 1 + k, f"s{k}")
    published = {}
    for kept in (story_views.FIRST_SEQS_KEPT, 1):
        monkeypatch.setattr(story_views, "FIRST_SEQS_KEPT", kept)
        config = feeds_config(tmp_path / str(kept), entries_per_feed=2)
        _publish(store, config)
        out = config.output_dir / "feeds"
        published[kept] = {p.relative_to(out): p.read_bytes() for p in out.rglob("*.atom")}
    assert len(published[1]) > 4
    assert published[1] == published[story_views.FIRST_SEQS_KEPT]


def test_a_feed_whose_newest_entries_are_all_copies_still_lists_its_newest_stories(
    store: EventStore, config: FeedsConfig
) -> None:
    """A wire story reposted more times than a feed document holds: the document reads
    further back until it has its stories (it was empty, dated 1970)."""
    import json

    meetings = [m for m in load_meetings() if m.language == "vi"]
    for n, doc in enumerate(meetings[:3]):
        _append(store, doc.key, doc, n, "vna")
    rng = random.Random(5)
    for n in range(8):
        copy = EDITS["byline-and-caption"](meetings[0], rng)
        _append(store, f"repost-{n}", copy, 10 + n, f"site{n}")
    small = replace(config, entries_per_feed=3)
    feed = _publish(store, small)
    assert feed.bozo == 0
    assert sorted(e.id for e in feed.entries) == sorted(
        f"urn:uuid:{article_uuid(doc.key)}" for doc in meetings[:3]
    )
    assert not feed.feed.updated.startswith("1970")
    items = json.loads((small.output_dir / "feeds" / "all.json").read_text(encoding="utf-8"))
    assert len(items["items"]) == 3


def test_an_entry_links_the_first_report_of_each_source_before_more_and_at_most_twenty(
    config: FeedsConfig,
) -> None:
    """A wire story copied by hundreds of feeds, or one feed posting a copy at a thousand
    URLs, is one entry with ALSO_LINKS "Also reported by" links; its story page lists the
    rest."""
    from feeds.render import ALSO_LINKS, FeedPage, render_feed
    from feeds.site import site_for
    from feeds.views import EntryRow

    flood = [("hostile", f"https://flood.example/{n}") for n in range(1000)]
    others = [(f"paper-{n}", f"https://paper{n}.example.vn/a") for n in range(5)]
    row = EntryRow(
        article_id=article_uuid("wire"),
        seq=1,
        title="Hội đàm",
        url="https://vna.example.vn/a",
        source_id="vna",
        language="vi",
        author=None,
        published=iso(datetime(2025, 1, 8, 9, tzinfo=UTC)),
        updated=iso(datetime(2025, 1, 8, 9, tzinfo=UTC)),
        text="Nội dung.",
        html=None,
        sightings=(flood[0], ("vna", "https://vna.example.vn/a"), *flood[1:], *others),
        story_id=article_uuid("wire"),
    )
    page = FeedPage(config.topics[0], [row], None, 0)
    parsed = feedparser.parse(render_feed(page, site_for(config)))
    also = [
        link.href for link in parsed.entries[0].links if link.get("title", "").startswith("Also")
    ]
    assert len(also) == ALSO_LINKS == 20
    assert also[:6] == [flood[0][1], *(url for _, url in others)]  # a link for every source
    assert also[6:] == [url for _, url in flood[1:15]]  # then the flood's, in order
    assert f"{config.base_url}/stories/{article_uuid('wire')}" in {
        link.href for link in parsed.entries[0].links
    }
