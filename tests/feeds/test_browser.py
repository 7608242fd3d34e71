"""The index, an article page and a story page in a real headless Chromium: order, escaping,
no console messages at all (no script error, no CSP refusal), and the README's screenshots.

NEWSLEDGER_UPDATE_SCREENSHOTS=1 writes the screenshots to docs/screenshots/ (the README
shows them); otherwise they go to a temporary folder and are only checked."""

from __future__ import annotations

import functools
import http.server
import os
import struct
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import html as lxml_html  # type: ignore[import-untyped]

from feeds.config import FeedsConfig
from feeds.projections import build_projections
from feeds.publisher import publish_all
from store import EventStore, ProjectionRunner
from tests.feeds.chromium import load, screenshot
from tests.feeds.conftest import (
    append_labelled,
    article_uuid,
    feeds_config,
    ingested,
    labelled,
    sighted,
)
from tests.feeds.serving import bound_socket, serving
from tests.security.cdp import Browser

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
HOSTILE = '<img src=x onerror="console.error(1)"> Tin <b>đậm</b> & "trích"'
SHOWN = "en-visit-trade"  # an article with figures, a revision and a sighting
#: The words of the page's table cells that the layout split over two lines (a word: no
#: space, hyphen or dash, where a line may end anyway, as in "2025-01-08").
BROKEN_WORDS = """(() => {
  const broken = [];
  for (const cell of document.querySelectorAll("td, th")) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const m of node.data.matchAll(/[^\\s\u2010-\u2014-]+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
})()"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FeedsConfig]]:
    tmp_path = tmp_path_factory.mktemp("browser")
    sock, port = bound_socket()
    base = f"http://127.0.0.1:{port}"
    names = {"baodientu": "Báo Điện tử", "vientiane": "Vientiane Times"}
    config = replace(feeds_config(tmp_path), base_url=base, source_names=names)
    store = EventStore.open(f"sqlite:///{tmp_path}/store.db")
    append_labelled(store)
    shown = next(a for a in labelled() if a["id"] == SHOWN)
    revised = ingested(
        SHOWN,
        title=shown["title"],
        text=shown["text"].replace("up 18.5 per cent", "up 18.7 per cent on the year before"),
        language="en",
        version=2,
        n=30,
    )
    revised.data["place"] = "HÀ NỘI"
    store.append(
        f"article-{article_uuid(SHOWN)}", [revised, sighted(SHOWN, source_id="vientiane", n=31)]
    )
    hostile = ingested("hostile", title=HOSTILE, text="Nội dung <script>x</script>.", n=500)
    store.append(f"article-{article_uuid('hostile')}", [hostile])
    runner = ProjectionRunner(store, build_projections(config))
    runner.catch_up()
    publish_all(runner, config)
    store.close()
    with serving(config, sock):
        yield base, config


def test_the_index_in_chromium_is_newest_first_escaped_and_silent(
    site: tuple[str, FeedsConfig],
) -> None:
    base, _ = site
    page = load(f"{base}/")
    assert page.console == []
    doc = lxml_html.fromstring(page.dom)
    section = doc.get_element_by_id("all")
    stamps = [li.get("data-published") for li in section.cssselect("li.entry")]
    assert len(stamps) == 10 and stamps == sorted(stamps, reverse=True)
    titles = [a.text_content() for a in section.cssselect("a.title")]
    assert titles[0] == HOSTILE  # the newest, shown as text: no element came from it
    assert not doc.cssselect("a.title img, a.title b, script")


def test_an_article_page_in_chromium_shows_provenance_and_logs_nothing(
    site: tuple[str, FeedsConfig],
) -> None:
    base, _ = site
    page = load(f"{base}/articles/{article_uuid(SHOWN)}")
    assert page.console == []
    doc = lxml_html.fromstring(page.dom)
    assert doc.cssselect(".place")[0].text == "HÀ NỘI"
    assert [d.text.strip() for d in doc.cssselect(".revision del")] == ["18.5", "cent."]
    ins = [i.text.strip() for i in doc.cssselect(".revision ins")]
    assert ins == ["18.7", "cent on the year before."]
    assert "Vientiane Times" in doc.cssselect(".sightings")[0].text_content()
    assert len(doc.cssselect(".events li")) == 3


def test_the_console_check_sees_a_pages_console_errors(tmp_path: Path) -> None:
    """The check above could pass by seeing nothing: here a page that does log must fail it."""
    (tmp_path / "noisy.html").write_text(
        "<!DOCTYPE html><meta http-equiv='Content-Security-Policy' content=\"default-src "
        "'none'; script-src 'unsafe-inline'\"><script>console.error('boom')</script>"
        "<img src='/refused.png'>"
    )
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        page = load(f"http://127.0.0.1:{server.server_address[1]}/noisy.html")
    finally:
        server.shutdown()
        thread.join(timeout=10)
    assert any("boom" in m for m in page.console)
    assert any("refused.png" in m and "Content Security Policy" in m for m in page.console)


def test_screenshots_of_the_index_and_an_article_page(
    site: tuple[str, FeedsConfig], tmp_path: Path
) -> None:
    base, _ = site
    folder = DOCS if os.environ.get("NEWSLEDGER_UPDATE_SCREENSHOTS") == "1" else tmp_path
    for name, url, height in (
        ("index.png", f"{base}/", 1400),
        ("article.png", f"{base}/articles/{article_uuid(SHOWN)}", 1700),
    ):
        data = screenshot(url, folder / name, height=height)
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, tall = struct.unpack(">II", data[16:24])
        assert (width, tall) == (1000, height)
        assert len(data) > 20_000  # a rendered page, not a blank one


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def test_a_story_page_in_chromium_lists_every_report_and_runs_none_of_their_markup(
    tmp_path: Path,
) -> None:
    """Four reports of one meeting (three Vietnamese copies, one English report), the first
    carrying markup in its title and lead: one page with every report, how each joined and
    what each copy changed, the markup shown as text, and nothing in the console."""
    import random

    from tests.feeds.copies import EDITS, load_meetings
    from tests.feeds.test_story_feeds import _append, _publish

    sock, port = bound_socket()
    config = feeds_config(
        tmp_path, {"serve": {"port": port}, "stories": {"across_languages": True}}
    )
    store = EventStore.open(f"sqlite:///{tmp_path}/store.db")
    first = next(m for m in load_meetings() if m.key == "vn-la-pm-talks-vi")
    english = next(m for m in load_meetings() if m.key == "vn-la-pm-talks-en")
    hostile = replace(
        first,
        title=first.title + HOSTILE,
        paragraphs=(first.paragraphs[0] + HOSTILE, *first.paragraphs[1:]),
    )
    _append(store, first.key, hostile, 0, "vna")
    _append(store, "dropped", EDITS["dropped-paragraphs"](hostile, random.Random(3)), 1, "nhandan")
    _append(store, "lead", EDITS["rewritten-lead"](hostile, random.Random(4)), 2, "baochinhphu")
    _append(store, english.key, english, 3, "vnnews")
    _publish(store, config)
    store.close()
    browser = Browser()
    try:
        with serving(config, sock) as base:
            url = f"{base}/stories/{article_uuid(first.key)}"
            page = load(url)
            # The table's columns as wide as their longest word, on a desktop and on a
            # phone: squeezed, they broke "language" and the sources' names in two. A
            # table wider than a phone scrolls inside the page, which keeps its width.
            for width in (1000, 400):
                metrics = {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False}
                browser.call("Emulation.setDeviceMetricsOverride", metrics, session=True)
                browser.open(url, settle=0.2)
                assert browser.evaluate(BROKEN_WORDS) == [], width
                assert browser.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        browser.close()
    assert page.console == []
    doc = lxml_html.fromstring(page.dom)
    rows = [r.text_content() for r in doc.xpath("//table[@class='reports']//tr[td]")]
    assert len(rows) == 4
    assert "first report" in rows[0]
    assert all("Jaccard" in r for r in rows[1:3])  # the copies: their similarity
    assert "same meeting" in rows[3]  # the English report: why it joined
    assert len(doc.xpath("//section[@class='report']")) == 4
    assert doc.xpath("//section[@class='report']//del")  # the dropped paragraph
    assert doc.xpath("//section[@class='report']//ins")  # the rewritten lead
    assert doc.xpath("//section[@class='report'][@lang='en']")
    assert not doc.xpath("//img | //b | //script")  # no element came from a report
    assert HOSTILE in doc.text_content()
