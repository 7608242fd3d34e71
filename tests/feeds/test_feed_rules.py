"""What the W3C Feed Validator checks at level AA, pinned without it: atom:source with id,
title and updated; xml:lang on the feed's own words; RFC 5005 archives linked both ways."""

from __future__ import annotations

from dataclasses import replace

from lxml import etree  # type: ignore[import-untyped]

from feeds.config import FeedsConfig
from feeds.projections import build_projections
from feeds.publisher import publish_all
from store import EventStore, ProjectionRunner
from tests.feeds.conftest import append_labelled

A = "{http://www.w3.org/2005/Atom}"
FH = "{http://purl.org/syndication/history/1.0}"
LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _publish(store: EventStore, config: FeedsConfig) -> None:
    runner = ProjectionRunner(store, build_projections(config))
    runner.catch_up()
    publish_all(runner, config)


def _links(doc: etree._Element) -> dict[str, str]:
    return {link.get("rel"): link.get("href") for link in doc.findall(f"{A}link")}


def test_every_entry_source_has_an_id_a_title_and_updated(
    store: EventStore, config: FeedsConfig
) -> None:
    append_labelled(store)
    named = replace(config, source_names={"baodientu": "Báo Điện tử"})
    _publish(store, named)
    doc = etree.parse(str(named.output_dir / "feeds/all.atom")).getroot()
    sources = [e.find(f"{A}source") for e in doc.findall(f"{A}entry")]
    assert sources and all(s is not None for s in sources)
    for entry, source in zip(doc.findall(f"{A}entry"), sources, strict=True):
        assert source.findtext(f"{A}id") == "tag:newsledger,2024:source/baodientu"
        assert source.findtext(f"{A}title") == "Báo Điện tử"
        assert source.findtext(f"{A}updated") == entry.findtext(f"{A}updated").replace(
            "+00:00", "Z"
        )


def test_the_feeds_title_and_subtitle_say_their_language(
    store: EventStore, config: FeedsConfig
) -> None:
    _publish(store, config)
    doc = etree.parse(str(config.output_dir / "feeds/all.atom")).getroot()
    assert doc.find(f"{A}title").get(LANG) == "en"
    assert doc.find(f"{A}subtitle").get(LANG) == "en"


def test_archive_pages_are_rfc_5005_archives_linked_both_ways(
    store: EventStore, config: FeedsConfig
) -> None:
    append_labelled(store)
    small = replace(config, entries_per_feed=4)
    _publish(store, small)
    folder = small.output_dir / "feeds" / "all" / "archive"
    count = len(list(folder.glob("*.atom")))
    assert count >= 3
    current = etree.parse(str(small.output_dir / "feeds/all.atom")).getroot()
    assert current.find(f"{FH}archive") is None
    assert _links(current)["prev-archive"] == small_url(small, count)
    for page in range(1, count + 1):
        doc = etree.parse(str(folder / f"{page}.atom")).getroot()
        links = _links(doc)
        assert doc.find(f"{FH}archive") is not None
        assert links["current"] == f"{small.base_url}/feeds/all.atom"
        assert links["self"] == small_url(small, page)
        assert links.get("prev-archive") == (small_url(small, page - 1) if page > 1 else None)
        assert links.get("next-archive") == (small_url(small, page + 1) if page < count else None)


def small_url(config: FeedsConfig, page: int) -> str:
    return f"{config.base_url}/feeds/all/archive/{page}.atom"
