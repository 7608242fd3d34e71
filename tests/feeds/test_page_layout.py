"""What a hostile text can do to the pages' layout, measured in a real headless Chromium at
a phone's width: a right-to-left override left open in a title or a byline, a word, a
preformatted line or a table wider than the screen. All came from this project's own
attacks on its outputs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from feeds.config import FeedsConfig
from feeds.projections import build_projections
from feeds.publisher import publish_all
from store import EventStore, ProjectionRunner
from tests.feeds.conftest import article_uuid, feeds_config, ingested
from tests.feeds.serving import bound_socket, serving
from tests.security.cdp import Browser

WIDTH = 420
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE, never closed by a PDF
SOURCE = "Báo Điện tử"
LONG = "Viêng" * 60  # 300 letters and no space
PRE = "<pre>" + "0123456789 " * 500 + "</pre>"
TABLE = "<table><tr>" + "<td>476,8&nbsp;triệu&nbsp;USD</td>" * 300 + "</tr></table>"
#: Where the first, second and last letters of an element's text are drawn, left to right.
EDGES = """((selector) => {
  const text = document.querySelector(selector).firstChild;
  const at = (i) => { const r = document.createRange(); r.setStart(text, i);
    r.setEnd(text, i + 1); return r.getBoundingClientRect().left; };
  return [at(0), at(1), at(text.length - 1)];
})"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp_path = tmp_path_factory.mktemp("layout")
    sock, port = bound_socket()
    config: FeedsConfig = replace(
        feeds_config(tmp_path),
        base_url=f"http://127.0.0.1:{port}",
        source_names={"baodientu": SOURCE},
    )
    store = EventStore.open(f"sqlite:///{tmp_path}/store.db")
    hostile = ingested(
        "rlo",
        title=f"Hội đàm {RLO}Việt Nam – Lào {LONG}",
        text=f"Hai bên ký kết biên bản {LONG} về hợp tác.",
        n=5,
    )
    hostile.data["author"] = f"{RLO}Tác giả"
    hostile.data["place"] = f"{RLO}VIÊNG CHĂN"
    store.append(f"article-{article_uuid('rlo')}", [hostile])
    wide = ingested(
        "wide",
        title="Kim ngạch thương mại",
        text="Bảng số liệu.",
        html=f"<p>Bảng số liệu.</p>{PRE}{TABLE}",
        n=4,
    )
    store.append(f"article-{article_uuid('wide')}", [wide])
    runner = ProjectionRunner(store, build_projections(config))
    runner.catch_up()
    publish_all(runner, config)
    store.close()
    with serving(config, sock) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    opened = Browser()
    opened.call(
        "Emulation.setDeviceMetricsOverride",
        {"width": WIDTH, "height": 800, "deviceScaleFactor": 1, "mobile": False},
        session=True,
    )
    try:
        yield opened
    finally:
        opened.close()


def test_an_override_left_open_in_a_title_does_not_reverse_what_follows_it(
    site: str, browser: Browser
) -> None:
    browser.open(f"{site}/", settle=0.3)
    first, _, last = browser.evaluate(f"{EDGES}('li.entry .source')")
    assert first < last, "the source name after the title is drawn right to left"


def test_an_override_left_open_in_a_byline_does_not_reverse_the_pages_own_words(
    site: str, browser: Browser
) -> None:
    """The author and the dateline place are the source's: "original article" after them
    is the page's own link, and was drawn "elcitra lanigiro"."""
    browser.open(f"{site}/articles/{article_uuid('rlo')}", settle=0.3)
    # Its first two letters: the link may wrap at a phone's width.
    first, second, _ = browser.evaluate(f"{EDGES}('.byline a')")
    assert first < second, "the page's own link after the byline is drawn right to left"


def test_preformatted_text_and_a_wide_table_do_not_widen_the_page(
    site: str, browser: Browser
) -> None:
    browser.open(f"{site}/articles/{article_uuid('wide')}", settle=0.3)
    assert browser.evaluate("document.querySelectorAll('.text pre, .text td').length") == 301
    assert browser.evaluate("document.documentElement.scrollWidth") <= WIDTH


@pytest.mark.parametrize("path", ["/", f"/articles/{article_uuid('rlo')}"])
def test_a_word_longer_than_the_screen_wraps_instead_of_widening_the_page(
    site: str, browser: Browser, path: str
) -> None:
    browser.open(f"{site}{path}", settle=0.3)
    assert browser.evaluate("document.body.innerText.includes('ViêngViêng')")
    assert browser.evaluate("document.documentElement.scrollWidth") <= WIDTH
