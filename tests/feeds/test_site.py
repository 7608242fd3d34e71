"""The index page: newest first by publication date, snippets cut between words with "…",
source display names, links to article pages and feed autodiscovery (Atom and JSON Feed)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import html as lxml_html  # type: ignore[import-untyped]

from feeds.config import FeedsConfig, parse_config
from feeds.errors import ConfigError
from feeds.projections import build_projections
from feeds.publisher import publish_all
from feeds.site import snippet
from newsfacts import ARTICLE_INGESTED
from store import EventStore, NewEvent, ProjectionRunner
from tests.feeds.conftest import article_uuid, ingested, labelled
from tests.support.articles import article_data

LONG = (
    "Chiều 5/10, Chủ tịch nước tiếp Đại sứ Lào đến chào từ biệt nhân dịp kết thúc nhiệm kỳ "
    "công tác tại Việt Nam và đánh giá cao đóng góp của Đại sứ cho quan hệ Việt Nam - Lào."
)


def _publish(store: EventStore, config: FeedsConfig) -> lxml_html.HtmlElement:
    runner = ProjectionRunner(store, build_projections(config))
    runner.catch_up()
    publish_all(runner, config)
    return lxml_html.fromstring((config.output_dir / "index.html").read_bytes())


def test_the_index_lists_articles_newest_first_by_publication_date(
    store: EventStore, config: FeedsConfig
) -> None:
    # Ingested in this order, published in another: the page follows publication.
    for name, hour in (("b", 5), ("c", 9), ("a", 1)):
        event = ingested(name, title=f"Tin {name}", text="Nội dung.", n=hour)
        store.append(f"article-{article_uuid(name)}", [event])
    doc = _publish(store, config)
    section = doc.get_element_by_id("all")
    assert [a.text for a in section.cssselect("a.title")] == ["Tin c", "Tin b", "Tin a"]
    stamps = [li.get("data-published") for li in section.cssselect("li.entry")]
    assert stamps == sorted(stamps, reverse=True)


def test_index_entries_show_source_names_snippets_and_link_to_their_pages(
    store: EventStore, config: FeedsConfig
) -> None:
    event = ingested("long", title="Chào từ biệt", text=LONG, source_id="vnexpress")
    store.append(f"article-{article_uuid('long')}", [event])
    doc = _publish(store, replace(config, source_names={"vnexpress": "VnExpress"}))
    entry = doc.get_element_by_id("all").cssselect("li.entry")[0]
    assert entry.cssselect(".source")[0].text == "VnExpress"
    link = entry.cssselect("a.title")[0].get("href")
    assert link == f"{config.base_url}/articles/{article_uuid('long')}"
    text = entry.cssselect(".snippet")[0].text
    assert text.endswith("…") and len(text) <= 161
    assert LONG.startswith(text.removesuffix("…"))
    assert LONG[len(text) - 1] == " "  # the cut fell between two words


def test_the_index_offers_every_topic_as_atom_and_json_feed(
    store: EventStore, config: FeedsConfig
) -> None:
    doc = _publish(store, config)
    alternates = {
        (link.get("type"), link.get("href")) for link in doc.cssselect('link[rel="alternate"]')
    }
    for topic in config.topics:
        assert ("application/atom+xml", f"{config.base_url}/feeds/{topic.id}.atom") in alternates
        assert ("application/feed+json", f"{config.base_url}/feeds/{topic.id}.json") in alternates


@given(st.text(alphabet="ab ạ,.", max_size=300), st.integers(min_value=5, max_value=200))
def test_a_snippet_is_never_cut_inside_a_word(text: str, limit: int) -> None:
    cut = snippet(text, limit)
    words = " ".join(text.split())
    if len(words) <= limit:
        assert cut == words
        return
    assert cut.endswith("…") and len(cut) <= limit + 1
    head = cut.removesuffix("…")
    assert words.startswith(head)
    if " " in words[: limit + 1]:
        following = words[len(head) :]
        assert following == "" or following[0] in " ,." or head == ""


def test_the_labelled_articles_snippets_end_between_words(
    store: EventStore, config: FeedsConfig
) -> None:
    for n, article in enumerate(labelled()):
        event = ingested(article["id"], title=article["title"], text=article["text"], n=n)
        store.append(f"article-{article_uuid(article['id'])}", [event])
    doc = _publish(store, config)
    for item in doc.get_element_by_id("all").cssselect(".snippet"):
        text = item.text
        if text.endswith("…"):
            assert text[-2].isalnum() or text[-2] in ")%", text


def _dated(name: str, published: datetime, origin: str) -> NewEvent:
    data = article_data(
        article_id=article_uuid(name),
        url=f"https://news.example.vn/{name}.html",
        title=f"Tin {name}",
        text="Nội dung.",
        language="vi",
        published=published,
        fetched=published + timedelta(hours=2),
        source_id="baodientu",
        html=None,
        version=1,
    )
    data["published_from"] = origin
    return ARTICLE_INGESTED.new(data, metadata={})


def _page(config: FeedsConfig, name: str) -> lxml_html.HtmlElement:
    path = config.output_dir / "articles" / f"{article_uuid(name)}.html"
    return lxml_html.fromstring(path.read_bytes())


def _published_cell(page: lxml_html.HtmlElement, heading: str = "Published") -> str:
    row = next(tr for tr in page.cssselect("tr") if tr.cssselect("th")[0].text == heading)
    return str(row.cssselect("time")[0].text)


def test_pages_show_a_datelines_day_and_times_in_the_configured_zone(
    store: EventStore, config: FeedsConfig
) -> None:
    """A dateline's 24 October is stored as its midnight in Hà Nội, 23 October 17:00 UTC:
    shown in UTC, the index and the page gave the day before. The pages show dates in
    `[feeds] timezone` (the sources' default zone unless set), a named day as the day."""
    midnight_hanoi = datetime(2024, 10, 23, 17, 0, tzinfo=UTC)
    store.append(f"article-{article_uuid('kazan')}", [_dated("kazan", midnight_hanoi, "dateline")])
    moment = datetime(2025, 1, 9, 8, 30, tzinfo=UTC)
    store.append(f"article-{article_uuid('feed')}", [_dated("feed", moment, "feed")])
    doc = _publish(store, config)
    days = {
        li.cssselect("a.title")[0].text: li.cssselect("time")[0].text
        for li in doc.get_element_by_id("all").cssselect("li.entry")
    }
    assert days == {"Tin kazan": "2024-10-24", "Tin feed": "2025-01-09"}
    assert _published_cell(_page(config, "kazan")) == "2024-10-24"
    assert _published_cell(_page(config, "kazan"), "Updated") == "2024-10-24"  # no midnight
    assert _published_cell(_page(config, "feed")) == "2025-01-09 15:30 UTC+07:00"
    # Times in the site's zone; a named day stays the day it is in the source's zone.
    in_utc = replace(config, timezone="UTC")
    doc = _publish(store, in_utc)
    assert _published_cell(_page(in_utc, "feed")) == "2025-01-09 08:30 UTC"
    assert _published_cell(_page(in_utc, "kazan")) == "2024-10-24"
    assert "2024-10-24" in [t.text for t in doc.get_element_by_id("all").cssselect("time")]


def test_an_unknown_display_zone_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[feeds\] timezone must be an IANA time zone"):
        parse_config({"feeds": {"timezone": "Asia/Hanoi_City"}}, file="f.toml", base_dir=tmp_path)


def test_the_index_finds_the_same_newest_entries_in_a_window_of_dates_or_by_sorting_the_topic(
    store: EventStore, config: FeedsConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite a topic's newest entries by publication are looked for among the site's
    latest-published articles, else found by sorting the topic's entries. Both must give
    the same entries, in the same order: publication ties broken by article id, the
    undated after the dated; a window that holds too few falls back to the sort."""
    from feeds import views
    from feeds.projections import TOPICS

    hours = [3, 7, 7, 1, 9, 9, 9, 2, 5, 4, 8, 6]
    trade = (
        "Kim ngạch thương mại song phương năm 2024 đạt 476,8 triệu USD, tăng 12% so với năm 2023."
    )
    for i, hour in enumerate(hours):
        text = trade if i % 3 else "Nội dung."  # 8 of the 12 dated articles
        event = ingested(f"n{i}", title=f"Tin {i}", text=text, n=hour)
        store.append(f"article-{article_uuid(f'n{i}')}", [event])
    for i in range(3):  # undated: they follow the dated ones, newest entry first
        event = ingested(f"u{i}", title=f"Không ngày {i}", text="Nội dung.", published=False)
        store.append(f"article-{article_uuid(f'u{i}')}", [event])
    runner = ProjectionRunner(store, build_projections(config))
    runner.catch_up()
    tables = runner.tables(TOPICS)
    window = views._newest_in_window
    answered = []

    def recorded(*args: object) -> object:
        rows = window(*args)  # type: ignore[arg-type]
        answered.append((args[2], rows is not None))  # (topic, whether the window held enough)
        return rows

    found = {}
    with store.reading() as conn:
        for mode in ("sort", "window"):
            if mode == "sort":
                monkeypatch.setattr(views, "_newest_in_window", lambda *_args: None)
            else:
                monkeypatch.setattr(views, "_newest_in_window", recorded)
                monkeypatch.setattr(views, "WINDOW_MARGIN", 1)  # windows small enough here
            found[mode] = {
                (topic, newest): [
                    r.title
                    for r in views.entries(conn, tables, topic, newest=newest, by_published=True)
                ]
                for topic in ("all", "economic-figures")
                for newest in (1, 2, 3, 5, 12, 14, 20)
            }
    assert found["window"] == found["sort"]
    if store.engine.dialect.name == "sqlite":
        for topic in ("all", "economic-figures"):  # windows that held enough, and not
            assert {(topic, True), (topic, False)} <= set(answered)
    dated = sorted(range(len(hours)), key=lambda i: (hours[i], article_uuid(f"n{i}")), reverse=True)
    undated = [f"Không ngày {i}" for i in (2, 1, 0)]
    assert found["window"]["all", 20] == [f"Tin {i}" for i in dated] + undated
    assert found["window"]["all", 5] == [f"Tin {i}" for i in dated[:5]]
    trading = sorted(
        (i for i in range(len(hours)) if i % 3), key=lambda i: (hours[i], article_uuid(f"n{i}"))
    )
    assert found["window"]["economic-figures", 20] == [f"Tin {i}" for i in reversed(trading)]
