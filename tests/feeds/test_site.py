"""The index page: newest first by publication date, snippets cut between words with "…",
source display names, links to article pages and feed autodiscovery (Atom and JSON Feed)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st
from lxml import html as lxml_html  # type: ignore[import-untyped]

from feeds.config import FeedsConfig
from feeds.projections import build_projections
from feeds.publisher import publish_all
from feeds.site import snippet
from store import EventStore, ProjectionRunner
from tests.feeds.conftest import article_uuid, ingested, labelled

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
