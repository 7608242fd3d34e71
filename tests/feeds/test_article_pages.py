"""Article pages: every article gets one, with its text, dates, topics and its provenance read
from the log (first sight, sightings, revisions with a diff, event ids and chain hashes)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import feedparser
import pytest
from lxml import html as lxml_html  # type: ignore[import-untyped]

from feeds.config import FeedsConfig
from feeds.diffs import word_diff
from feeds.projections import build_projections
from feeds.publisher import publish_all
from store import EventStore, NewEvent, ProjectionRunner
from tests.feeds.conftest import append_labelled, article_uuid, ingested, labelled, sighted


def _publish(store: EventStore, config: FeedsConfig) -> ProjectionRunner:
    runner = ProjectionRunner(store, build_projections(config))
    runner.catch_up()
    publish_all(runner, config)
    return runner


def _page(config: FeedsConfig, name: str) -> lxml_html.HtmlElement:
    path = config.output_dir / "articles" / f"{article_uuid(name)}.html"
    return lxml_html.fromstring(path.read_bytes())


def _folder_article(name: str, *, title: str, text: str) -> NewEvent:
    """An article read from a text file in a folder source: its URL is a file:// URI."""
    event = ingested(name, title=title, text=text, source_id="notes")
    event.data.update(
        source_kind="folder",
        url=f"file:///srv/news/{name}.txt",
        canonical_url=f"file:///srv/news/{name}.txt",
        extractor="folder-text",
    )
    return event


def test_every_article_gets_a_page_with_text_sources_dates_and_topics(
    store: EventStore, config: FeedsConfig
) -> None:
    append_labelled(store)
    named = replace(config, source_names={"baodientu": "Báo Điện tử"})
    _publish(store, named)
    pages = sorted((named.output_dir / "articles").glob("*.html"))
    assert len(pages) == len(labelled())
    first = labelled()[0]
    doc = _page(named, first["id"])
    assert doc.findtext(".//h1") == first["title"]
    assert first["text"][:60] in doc.text_content()
    assert doc.cssselect(".sources")[0].text_content() == "Báo Điện tử"
    published = doc.cssselect("table.dates time")[0].get("datetime")
    assert published == "2025-01-06T08:00:00Z"
    topics = [a.text for a in doc.cssselect("#topics > ul > li > a")]
    assert "Bilateral meetings" in topics and "All articles" in topics
    # The rule that put it in the topic, with the words it matched.
    assert "matched in" in doc.get_element_by_id("topics").text_content()


def test_the_page_shows_first_sight_sightings_revision_diff_and_the_logs_hashes(
    store: EventStore, config: FeedsConfig
) -> None:
    append_labelled(store)
    name = labelled()[0]["id"]
    stream = f"article-{article_uuid(name)}"
    revised = ingested(
        name,
        title=labelled()[0]["title"],
        text=labelled()[0]["text"].replace("giáo dục", "y tế"),
        version=2,
    )
    store.append(stream, [revised, sighted(name, source_id="vientiane")])
    _publish(store, replace(config, source_names={"vientiane": "Vientiane Times"}))
    doc = _page(config, name)
    logged = store.read_stream(stream)
    assert [e.type for e in logged] == ["ArticleIngested", "ArticleRevised", "ArticleSighted"]
    first_seen = doc.cssselect(".first-seen")[0].text_content()
    assert f"position {logged[0].position}" in first_seen
    assert f"https://news.example.vn/{name}.html" in first_seen
    sighting = doc.cssselect(".sightings li")[0]
    assert "Vientiane Times" in sighting.text_content()
    assert sighting.cssselect("a")[0].get("href") == f"https://other.example.la/{name}"
    assert [d.text.strip() for d in doc.cssselect(".revision del")] == ["giáo dục"]
    assert [i.text.strip() for i in doc.cssselect(".revision ins")] == ["y tế"]
    # Every event of the stream with the very id and chain hash that `verify` checks.
    assert [c.text for c in doc.cssselect(".events .event-id")] == [str(e.event_id) for e in logged]
    assert [c.text for c in doc.cssselect(".events .chain-hash")] == [e.hash for e in logged]


def test_a_word_diff_marks_removed_and_added_words_only() -> None:
    runs = word_diff("Hai bên hợp tác giáo dục.", "Hai bên hợp tác y tế và giáo dục.")
    assert runs == (("=", "Hai bên hợp tác "), ("+", "y tế và "), ("=", "giáo dục."))
    assert word_diff("giá 5 đồng", "giá 7 đồng") == (
        ("=", "giá "),
        ("-", "5 "),
        ("+", "7 "),
        ("=", "đồng"),
    )
    assert word_diff("a b", "a b") == (("=", "a b"),)


def test_article_pages_escape_everything_a_source_sends(
    store: EventStore, config: FeedsConfig
) -> None:
    hostile = ingested(
        "hostile",
        title='<script>alert("t")</script> Tin & "tức"',
        text="Đoạn <b>một</b> & <img src=x onerror=alert(1)>.",
        html=(
            '<p onclick="alert(2)">Đoạn <a href="javascript:alert(3)">một</a></p><script>x</script>'
        ),
    )
    store.append(f"article-{hostile.data['article_id']}", [hostile])
    _publish(store, config)
    raw = (config.output_dir / "articles" / f"{article_uuid('hostile')}.html").read_text()
    doc = lxml_html.fromstring(raw)
    assert doc.findtext(".//h1") == '<script>alert("t")</script> Tin & "tức"'
    assert len(doc.cssselect("script")) == 0
    assert "javascript:" not in raw and "onclick" not in raw and "onerror" not in raw
    assert "default-src 'none'" in doc.cssselect('meta[http-equiv="Content-Security-Policy"]')[
        0
    ].get("content")


def test_folder_articles_link_to_their_page_and_never_to_a_file_url(
    store: EventStore, config: FeedsConfig
) -> None:
    event = _folder_article("ghi-chu", title="Ghi chú họp", text="Nội dung ghi chú.")
    store.append(f"article-{event.data['article_id']}", [event])
    _publish(store, config)
    page = f"{config.base_url}/articles/{article_uuid('ghi-chu')}"
    for rel in ("feeds/all.atom", "feeds/all.json", "index.html"):
        assert "file:" not in (config.output_dir / rel).read_text(), rel
    entry = feedparser.parse((config.output_dir / "feeds/all.atom").read_bytes()).entries[0]
    assert [(link.rel, link.href) for link in entry.links] == [("alternate", page)]
    doc = _page(config, "ghi-chu")
    assert "a file on the server" in doc.cssselect(".first-seen")[0].text_content()


def test_feed_articles_link_to_the_original_and_relate_to_their_page(
    store: EventStore, config: FeedsConfig
) -> None:
    append_labelled(store, labelled()[:1])
    _publish(store, config)
    name = labelled()[0]["id"]
    entry = feedparser.parse((config.output_dir / "feeds/all.atom").read_bytes()).entries[0]
    links = [(link.rel, link.href, link.get("type")) for link in entry.links]
    assert links == [
        ("alternate", f"https://news.example.vn/{name}.html", "text/html"),
        ("related", f"{config.base_url}/articles/{article_uuid(name)}", "text/html"),
    ]


def test_a_new_sighting_rewrites_only_that_articles_page(
    store: EventStore, config: FeedsConfig, tmp_path: Path
) -> None:
    append_labelled(store)
    runner = _publish(store, config)
    name = labelled()[3]["id"]
    store.append(f"article-{article_uuid(name)}", [sighted(name, source_id="vov")])
    runner.catch_up()
    report = publish_all(runner, config)
    pages = [rel for rel in report.written if rel.startswith("articles/")]
    assert pages == [f"articles/{article_uuid(name)}.html"]
    assert "vov" in _page(config, name).cssselect(".sightings")[0].text_content()


def test_each_revision_is_diffed_against_the_version_just_before_it(
    store: EventStore, config: FeedsConfig
) -> None:
    stream = f"article-{article_uuid('thrice')}"
    texts = ["Giá xăng giảm 3%.", "Giá xăng giảm 5%.", "Giá xăng giảm 5% từ 15 giờ."]
    for version, text in enumerate(texts, start=1):
        store.append(stream, [ingested("thrice", title="Giá xăng", text=text, version=version)])
    _publish(store, config)
    revisions = _page(config, "thrice").cssselect(".revision")
    assert [[d.text.strip() for d in r.cssselect("del")] for r in revisions] == [["3%."], ["5%."]]
    assert [[i.text.strip() for i in r.cssselect("ins")] for r in revisions] == [
        ["5%."],
        ["5% từ 15 giờ."],
    ]


def test_the_page_lists_the_meetings_found_with_their_sides(
    store: EventStore, config: FeedsConfig
) -> None:
    append_labelled(store, [a for a in labelled() if a["id"] == "vi-talks-pm"])
    _publish(store, config)
    meetings = _page(config, "vi-talks-pm").cssselect("#meetings li")
    assert meetings, "the talks between the two prime ministers are a meeting"
    text = meetings[0].text_content()
    assert "talks" in text and "[LA]" in text


@pytest.mark.parametrize("caught_up_between", [False, True])
def test_a_revision_drops_the_sightings_of_the_text_it_replaces_from_the_feed_entry(
    store: EventStore, config: FeedsConfig, caught_up_between: bool
) -> None:
    """A source that published a text first, then rewrote it, kept "Also reported by" the
    sources that had published the first text: the victim's name vouched for the rewrite.
    A sighting after the revision is of the text shown, and stays."""
    name = "copied"
    stream = f"article-{article_uuid(name)}"

    def seen(source_id: str, n: int) -> NewEvent:
        event = sighted(name, source_id=source_id, n=n)
        event.data["url"] = event.data["canonical_url"] = f"https://{source_id}.example/{name}"
        return event

    text = "Hai nước ký kết thỏa thuận hợp tác."
    store.append(stream, [ingested(name, title="Ký kết", text=text, source_id="copycat", n=1)])
    store.append(stream, [seen("victim", 2)])
    if caught_up_between:  # the sighting stored in the view, not in the revision's batch
        _publish(store, config)
    rewrite = ingested(
        name, title="Ký kết", text="Đã hủy. Xem scam.example.", source_id="copycat", version=2, n=3
    )
    store.append(stream, [rewrite, seen("later", 4)])
    _publish(store, config)
    feed = feedparser.parse((config.output_dir / "feeds/all.atom").read_bytes())
    [entry] = [e for e in feed.entries if e.title == "Ký kết"]
    also = [link.href for link in entry.links if link.get("title", "").startswith("Also")]
    assert also == [f"https://later.example/{name}"]


def test_a_moved_paragraph_is_one_paragraph_removed_and_added_not_interleaved_words() -> None:
    first = "Hai Thủ tướng hội đàm tại Hà Nội.\n\nHai bên ký 12 văn kiện.\n\nTheo Minh Anh."
    moved = "Theo Minh Anh.\n\nHai Thủ tướng hội đàm tại Hà Nội.\n\nHai bên ký 12 văn kiện."
    runs = word_diff(first, moved)
    assert runs == (
        ("+", "Theo Minh Anh.\n\n"),
        ("=", "Hai Thủ tướng hội đàm tại Hà Nội.\n\nHai bên ký 12 văn kiện."),
        ("-", "\n\nTheo Minh Anh."),
    )


def test_long_changed_passages_are_compared_in_bounded_time_and_lose_no_text() -> None:
    """Ten shuffled copies of a 200 KB text took a minute of CPU on one story page."""
    import random
    import time

    rng = random.Random(7)
    words = "hai bên nhất trí tăng cường hợp tác kinh tế thương mại đầu tư giáo dục".split()
    one = " ".join(rng.choice(words) for _ in range(30_000))  # one 200 KB paragraph
    other = " ".join(rng.choice(words) for _ in range(30_000))
    started = time.process_time()
    runs = word_diff(one, other)
    assert time.process_time() - started < 2.0
    assert "".join(text for kind, text in runs if kind != "+") == one
    assert "".join(text for kind, text in runs if kind != "-") == other
