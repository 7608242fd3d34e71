"""Publishing: valid Atom (jing + feedparser), RFC 5005 archives, atomic writes only when the
bytes change, and byte-identical output after rebuilding every view from the log."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import feedparser
import pytest
from lxml import etree  # type: ignore[import-untyped]

import feeds
from feeds.config import FeedsConfig
from feeds.files import code_digest
from feeds.projections import build_projections
from feeds.publisher import PublishReport, publish_all
from store import EventStore, ProjectionRunner
from tests.conftest import require_tool
from tests.feeds.conftest import (
    ATOM_RNG,
    append_labelled,
    article_uuid,
    ingested,
    labelled,
    sighted,
)
from tests.support.published import published_files

ATOM = "{http://www.w3.org/2005/Atom}"


def _publish(store: EventStore, config: FeedsConfig) -> tuple[ProjectionRunner, PublishReport]:
    runner = ProjectionRunner(store, build_projections(config))
    runner.catch_up(rebuild=True)  # as `publish` does: a view built with other topics is rebuilt
    return runner, publish_all(runner, config)


def test_every_published_feed_validates_with_jing_and_parses_without_bozo(
    store: EventStore, config: FeedsConfig
) -> None:
    jing = require_tool("jing", "jing")
    append_labelled(store)
    small = replace(config, entries_per_feed=5)
    _publish(store, small)
    feeds = sorted((small.output_dir / "feeds").rglob("*.atom"))
    assert len(feeds) > 3  # current documents and archive pages
    result = subprocess.run([jing, str(ATOM_RNG), *map(str, feeds)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    for path in feeds:
        parsed = feedparser.parse(path.read_bytes())
        assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))


def test_empty_feeds_are_valid_atom_too(store: EventStore, config: FeedsConfig) -> None:
    jing = require_tool("jing", "jing")
    _publish(store, config)
    feeds = sorted((config.output_dir / "feeds").rglob("*.atom"))
    assert len(feeds) == len(config.topics)
    result = subprocess.run([jing, str(ATOM_RNG), *map(str, feeds)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    parsed = feedparser.parse(feeds[0].read_bytes())
    assert (parsed.bozo, parsed.entries, parsed.feed.updated) == (
        0,
        [],
        "1970-01-01T00:00:00+00:00",
    )


def test_entries_carry_ids_links_language_categories_and_source(
    store: EventStore, config: FeedsConfig
) -> None:
    append_labelled(store)
    store.append(
        f"article-{article_uuid('vi-trade-figures')}",
        [sighted("vi-trade-figures", source_id="vov", n=9)],
    )
    _publish(store, config)
    parsed = feedparser.parse((config.output_dir / "feeds/economic-figures.atom").read_bytes())
    entry = next(e for e in parsed.entries if e.title.startswith("Kim ngạch thương mại"))
    assert entry.id == f"urn:uuid:{article_uuid('vi-trade-figures')}"
    assert entry.link == "https://news.example.vn/vi-trade-figures.html"
    assert {t.term for t in entry.tags} == {"all", "economic-figures"}
    assert entry.content[0].language == "vi"
    assert entry.source.title == "baodientu"
    assert "https://other.example.la/vi-trade-figures" in [
        link.href for link in entry.links if link.rel == "related"
    ]
    # The figures are listed at the top of the entry, before the article's text.
    body = entry.content[0].value
    assert body.index("476,8 triệu USD") < body.index("Trong quý I")
    assert "Source: baodientu, vov" in body


def test_timestamps_come_from_event_data(store: EventStore, config: FeedsConfig) -> None:
    articles = labelled()[:3]
    append_labelled(store, articles)
    _publish(store, config)
    parsed = feedparser.parse((config.output_dir / "feeds/all.atom").read_bytes())
    assert parsed.feed.updated == "2025-01-06T10:00:00+00:00"  # the newest entry's published
    assert [e.published for e in parsed.entries] == [
        "2025-01-06T10:00:00+00:00",
        "2025-01-06T09:00:00+00:00",
        "2025-01-06T08:00:00+00:00",
    ]


def test_a_revision_keeps_the_entry_id_and_moves_updated(
    store: EventStore, config: FeedsConfig
) -> None:
    stream = f"article-{article_uuid('r')}"
    store.append(stream, [ingested("r", title="Tin một", text="Nội dung.")])
    runner, _ = _publish(store, config)
    first = feedparser.parse((config.output_dir / "feeds/all.atom").read_bytes()).entries
    store.append(
        stream, [ingested("r", title="Tin một (cập nhật)", text="Nội dung mới.", version=2)]
    )
    runner.catch_up()
    report = publish_all(runner, config)
    assert "feeds/all.atom" in report.written
    second = feedparser.parse((config.output_dir / "feeds/all.atom").read_bytes()).entries
    assert [e.id for e in second] == [e.id for e in first]
    assert second[0].title == "Tin một (cập nhật)"
    assert second[0].updated > first[0].updated


def test_an_edit_taken_back_shows_the_first_text_again_under_the_same_id(
    store: EventStore, config: FeedsConfig
) -> None:
    """A restore (ingest/record/dedup.py) is a version like any other, whose text is one the
    article had: the entry shows it, however the view knows that text already."""
    stream = f"article-{article_uuid('r')}"
    first = ingested("r", title="Tin một", text="Nội dung.")
    store.append(stream, [first])
    runner, _ = _publish(store, config)
    before = feedparser.parse((config.output_dir / "feeds/all.atom").read_bytes()).entries
    store.append(stream, [ingested("r", title="Tin một (sửa)", text="Sai.", version=2)])
    store.append(stream, [ingested("r", title="Tin một", text="Nội dung.", version=3)])
    runner.catch_up()
    publish_all(runner, config)
    after = feedparser.parse((config.output_dir / "feeds/all.atom").read_bytes()).entries
    assert [(e.id, e.title) for e in after] == [(e.id, e.title) for e in before]
    assert after[0].updated > before[0].updated


def test_archives_are_linked_with_prev_archive_and_hold_every_older_entry(
    store: EventStore, config: FeedsConfig
) -> None:
    append_labelled(store)
    small = replace(config, entries_per_feed=10)
    _publish(store, small)
    root = small.output_dir
    seen: list[str] = []
    doc = etree.parse(str(root / "feeds/all.atom")).getroot()
    assert len(doc.findall(f"{ATOM}entry")) == 10
    pages = 0
    while True:
        seen.extend(e.findtext(f"{ATOM}id") for e in doc.findall(f"{ATOM}entry"))
        prev = doc.find(f"{ATOM}link[@rel='prev-archive']")
        if prev is None:
            break
        pages += 1
        path = root / prev.get("href").removeprefix(small.base_url + "/")
        doc = etree.parse(str(path)).getroot()
        assert doc.find("{http://purl.org/syndication/history/1.0}archive") is not None
        assert (
            doc.find(f"{ATOM}link[@rel='current']").get("href")
            == f"{small.base_url}/feeds/all.atom"
        )
    assert pages == len(labelled()) // 10
    assert len(set(seen)) == len(labelled())


def test_publishing_again_writes_nothing_and_leaves_no_temporary_files(
    store: EventStore, config: FeedsConfig
) -> None:
    append_labelled(store)
    runner, first = _publish(store, replace(config, entries_per_feed=10))
    assert "index.html" in first.written and "feeds.opml" in first.written
    before = {p: p.stat().st_mtime_ns for p in config.output_dir.rglob("*.atom")}
    second = publish_all(runner, replace(config, entries_per_feed=10))
    assert second.written == ()
    assert {p: p.stat().st_mtime_ns for p in config.output_dir.rglob("*.atom")} == before
    assert not [p for p in config.output_dir.rglob("*.tmp")]


def test_code_that_renders_differently_renders_every_file_again(
    store: EventStore, config: FeedsConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The manifest's fingerprint holds a digest of the rendering code and templates: the
    package's version never moved, so an upgrade left every file whose own stamp had not
    moved as the old code wrote it, unlike a replay."""
    append_labelled(store)
    small = replace(config, entries_per_feed=10)
    runner, first = _publish(store, small)
    assert publish_all(runner, small).rendered == 0
    monkeypatch.setattr("feeds.publisher.rendering_code", lambda: "another-release")
    again = publish_all(runner, small)
    assert again.rendered == first.rendered
    assert again.written == ()  # the same code behind the new digest: the same bytes


def test_the_rendering_digest_moves_with_a_template_and_only_with_the_code(
    tmp_path: Path,
) -> None:
    shutil.copytree(Path(feeds.__file__).parent, tmp_path / "feeds")
    before = code_digest(tmp_path, ["feeds"], ["jinja2"])
    assert code_digest(tmp_path, ["feeds"], ["jinja2"]) == before
    (tmp_path / "feeds" / "__pycache__").mkdir(exist_ok=True)
    (tmp_path / "feeds" / "__pycache__" / "x.pyc").write_bytes(b"compiled")
    assert code_digest(tmp_path, ["feeds"], ["jinja2"]) == before
    page = tmp_path / "feeds" / "templates" / "article.html"
    page.write_text(page.read_text(encoding="utf-8") + "<!-- -->", encoding="utf-8")
    assert code_digest(tmp_path, ["feeds"], ["jinja2"]) != before


def test_the_temporary_files_of_a_killed_publisher_are_removed_by_the_next_one(
    store: EventStore, config: FeedsConfig
) -> None:
    append_labelled(store)
    # What a publisher killed between writing a file and renaming it leaves behind.
    pages = config.output_dir / "articles"
    pages.mkdir(parents=True)
    (pages / ".a8dd745f.html.sssvlhez.tmp").write_bytes(b"<html>half")
    (config.output_dir / ".all.atom.k2j1.tmp").write_bytes(b"<feed")
    _publish(store, config)
    assert not [p for p in config.output_dir.rglob("*.tmp")]


def test_one_new_article_rewrites_only_the_documents_it_appears_in(
    store: EventStore, config: FeedsConfig
) -> None:
    append_labelled(store)
    small = replace(config, entries_per_feed=10)
    runner, _ = _publish(store, small)
    store.append(
        "article-new", [ingested("new", title="Tin thể thao", text="Một trận đấu hay.", n=99)]
    )
    runner.catch_up()
    report = publish_all(runner, small)
    page = f"articles/{article_uuid('new')}.html"
    assert set(report.written) == {"feeds/all.atom", "feeds/all.json", "index.html", page}
    # The current Atom and JSON documents, the index, the OPML file and one article page.
    assert report.rendered <= 2 * len(small.topics) + 3


def test_replaying_every_view_republishes_byte_identical_files(
    store: EventStore, config: FeedsConfig
) -> None:
    append_labelled(store)
    store.append(
        f"article-{article_uuid('vi-growth')}",
        [
            ingested(
                "vi-growth",
                title="Kinh tế Lào tăng trưởng 4,5%",
                text="Dự báo mới: 4,5%.",
                version=2,
            ),
            sighted("vi-growth", source_id="vov"),
        ],
    )
    small = replace(config, entries_per_feed=8)
    runner, _ = _publish(store, small)
    before = published_files(small.output_dir)
    runner.replay()
    report = publish_all(runner, small)
    assert report.rendered > 0  # the new generation forces a full render...
    assert report.written == ()  # ...whose bytes equal what was published
    assert published_files(small.output_dir) == before


def test_after_a_replay_the_current_documents_can_be_published_before_the_archives(
    store: EventStore, config: FeedsConfig
) -> None:
    append_labelled(store)
    small = replace(config, entries_per_feed=5)
    runner, _ = _publish(store, small)
    before = published_files(small.output_dir)
    archives = {rel for rel in before if "/archive/" in rel}
    assert archives
    store.append(
        "article-new", [ingested("new", title="Tin thể thao", text="Một trận đấu hay.", n=99)]
    )
    runner.replay()
    quick = publish_all(runner, small, archives=False)
    current = {f"feeds/{t.id}.{x}" for t in small.topics for x in ("atom", "json")}
    current |= {"feeds.opml", "index.html"}
    assert quick.rendered == len(current)  # not one archive page nor article page...
    assert "feeds/all.atom" in quick.written and quick.removed == ()
    assert {rel: before[rel] for rel in archives} == {  # ...and none lost or changed
        rel: data for rel, data in published_files(small.output_dir).items() if rel in archives
    }
    full = publish_all(runner, small)
    rendered_archives = len(archives | {r for r in full.written if "/archive/" in r})
    pages = len(list((small.output_dir / "articles").glob("*.html")))
    assert pages == len(labelled()) + 1
    # Now every archive page and every article page, and nothing twice.
    assert full.rendered == rendered_archives + pages
    assert publish_all(runner, small).rendered == 0
    fresh = replace(small, output_dir=small.output_dir.parent / "fresh")
    publish_all(runner, fresh)
    assert published_files(fresh.output_dir) == published_files(small.output_dir)


def test_archive_pages_a_quick_publish_spares_are_removed_by_the_next_full_one(
    store: EventStore, config: FeedsConfig
) -> None:
    """A quick publish (after a replay) leaves a current topic's archive pages alone; those
    no topic produces any more must still go with the next full publish. The quick one
    wrote its manifest without them, so the full one never saw them: a topic emptied by new
    rules kept serving its old archive pages."""
    append_labelled(store)
    runner, _ = _publish(store, replace(config, entries_per_feed=5))
    archives = {rel for rel in published_files(config.output_dir) if "/archive/" in rel}
    assert archives
    whole = replace(config, entries_per_feed=1_000)  # every entry on the current page
    quick = publish_all(runner, whole, archives=False)
    assert quick.removed == () and archives <= set(published_files(config.output_dir))
    full = publish_all(runner, whole)
    assert set(full.removed) == archives
    fresh = replace(whole, output_dir=config.output_dir.parent / "fresh")
    publish_all(runner, fresh)
    assert published_files(fresh.output_dir) == published_files(config.output_dir)


def test_a_removed_topic_loses_its_published_files(store: EventStore, config: FeedsConfig) -> None:
    append_labelled(store)
    small = replace(config, entries_per_feed=2)
    _publish(store, small)
    assert (small.output_dir / "feeds/bilateral-meetings.atom").exists()
    assert (small.output_dir / "feeds/bilateral-meetings/archive/1.atom").exists()
    fewer = replace(small, topics=tuple(t for t in small.topics if t.id != "bilateral-meetings"))
    _, report = _publish(store, fewer)
    assert "feeds/bilateral-meetings.atom" in report.removed
    assert not (small.output_dir / "feeds/bilateral-meetings.atom").exists()
    # Nor the folders its archive pages were in: a replay's folder has none of them.
    assert not (small.output_dir / "feeds/bilateral-meetings").exists()
    assert (small.output_dir / "feeds").is_dir()


def test_opml_lists_every_topic_feed(store: EventStore, config: FeedsConfig) -> None:
    _publish(store, config)
    doc = etree.parse(str(config.output_dir / "feeds.opml")).getroot()
    urls = [o.get("xmlUrl") for o in doc.iter("outline")]
    assert urls == [f"{config.base_url}/feeds/{t.id}.atom" for t in config.topics]
