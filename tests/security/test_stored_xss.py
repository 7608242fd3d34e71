"""Finding 2: a hostile feed's `javascript:`, `data:` and disguised links, scripts and event
handlers reach no reader. The feed is served from 127.0.0.1, fetched and published by real
`newsledger` processes, served by `newsledger serve`, and the pages are opened in a real
headless Chromium that reports every dialog and clicks every link left on the page."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from lxml import etree, html  # type: ignore[import-untyped]

from tests.security.cdp import Browser
from tests.security.conftest import CraftedServer, newsledger, serve
from tests.worker.conftest import free_port, wait_for

#: (link, title, body): each item is a different article, each link a way to sneak script.
ITEMS = [
    ("javascript:alert('link-1')", "Tin một", "Hội đàm Việt – Lào lần một."),
    ("JaVaScRiPt:alert('link-2')", "Tin hai", "Hội đàm Việt – Lào lần hai."),
    ("java&#x09;script:alert('link-3')", "Tin ba", "Hội đàm Việt – Lào lần ba."),
    ("  \n javascript:alert('link-4')", "Tin bốn", "Hội đàm Việt – Lào lần bốn."),
    ("data:text/html;base64,PHNjcmlwdD5hbGVydCgnbGluay01Jyk8L3NjcmlwdD4=", "Tin năm", "Lần năm."),
    ("vbscript:msgbox('link-6')", "Tin sáu", "Hội đàm Việt – Lào lần sáu."),
    (
        "https://news.example.vn/bai-7",
        "<script>alert('title-7')</script>Tin bảy",
        "<p>Nội dung bảy <a href=\"javascript:alert('body-7')\">bấm</a>"
        "<img src=x onerror=\"alert('img-7')\"><script>alert('script-7')</script>"
        "<svg onload=\"alert('svg-7')\"></svg>"
        '<a href="data:text/html,<script>alert(1)</script>">d</a></p>',
    ),
]
WEB = ("http", "https")


def _rss(items: list[tuple[str, str, str]]) -> bytes:
    def cdata(text: str) -> str:
        return f"<![CDATA[{text}]]>"

    entries = "".join(
        f"<item><title>{cdata(title)}</title><link>{link}</link>"
        f'<guid isPermaLink="false">hostile-{n}</guid>'
        f"<pubDate>Mon, 06 Jan 2025 0{n}:00:00 GMT</pubDate>"
        f"<description>{cdata(body)}</description></item>"
        for n, (link, title, body) in enumerate(items)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>hostile</title>'
        f"<link>https://hostile.example/</link><description>x</description>{entries}"
        "</channel></rss>"
    ).encode()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The hostile feed fetched, published and served by real newsledger processes."""
    tmp = tmp_path_factory.mktemp("xss")
    hostile = CraftedServer()
    feed = hostile.serve("/feed.rss", _rss(ITEMS))
    port = free_port()
    config = tmp / "newsledger.toml"
    config.write_text(
        f'[store]\nurl = "sqlite:///{tmp}/n.db"\n\n'
        f'[[sources]]\nid = "hostile"\nkind = "feed"\nurl = "{feed}"\n\n'
        f'[feeds]\noutput_dir = "{tmp / "public"}"\nbase_url = "http://127.0.0.1:{port}"\n',
        encoding="utf-8",
    )
    fetched = newsledger("fetch", config=config)
    assert fetched.code == 0, fetched.err[-3000:]
    hostile.close()
    server = serve(config, port)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _status(base + "/healthz") == 200, timeout=60, every=0.3)
        yield base
    finally:
        server.terminate()
        server.wait(10)


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return int(answer.status)
    except OSError:
        return 0


def _get(url: str) -> tuple[bytes, dict[str, str]]:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.read(), {k.lower(): v for k, v in answer.headers.items()}


def _is_web(url: str) -> bool:
    return urlsplit(url).scheme in WEB


def test_the_feeds_carry_every_article_and_only_web_links(site: str) -> None:
    atom, _ = _get(site + "/feeds/all.atom")
    tree = etree.fromstring(atom)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert len(tree.findall("a:entry", ns)) == len(ITEMS)  # the articles arrive, the links not
    hrefs = [e.get("href") for e in tree.iter("{*}link")]
    assert hrefs and all(_is_web(h) for h in hrefs), hrefs
    assert b"javascript" not in atom.lower() and b"data:text" not in atom
    for content in tree.iter("{*}content"):
        fragment = html.fromstring(f"<div>{content.text or ''}</div>")
        assert not fragment.xpath("//script | //*[@*[starts-with(name(), 'on')]]")
        # nh3 empties a refused link (`href=""`: this very page), which runs nothing.
        assert all(_is_web(h) or h == "" for h in fragment.xpath("//@href | //@src")), content.text
    document = json.loads(_get(site + "/feeds/all.json")[0])
    urls = [i.get(k) for i in document["items"] for k in ("url", "external_url") if i.get(k)]
    assert urls and all(_is_web(u) for u in urls)
    assert "javascript" not in json.dumps(document).lower()


def _pages(site: str) -> list[str]:
    index, _ = _get(site + "/")
    links = html.fromstring(index).xpath("//a/@href")
    return [site + "/", *sorted({h for h in links if h.startswith(site + "/articles/")})]


def test_the_html_pages_have_no_script_link_and_send_a_strict_policy(site: str) -> None:
    pages = _pages(site)
    assert len(pages) == 1 + len(ITEMS)
    for page in pages:
        body, headers = _get(page)
        policy = headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy
        assert "unsafe-inline" not in policy.split("style-src")[0]
        assert headers["referrer-policy"] == "no-referrer"
        tree = html.fromstring(body)
        assert not tree.xpath("//script | //*[@*[starts-with(name(), 'on')]]"), page
        for href in tree.xpath("//a/@href | //area/@href | //form/@action | //iframe/@src"):
            assert _is_web(href) or href.startswith("#") or href == "", (page, href)
        assert b"javascript:" not in body.lower() and b"data:text/html" not in body


def test_chromium_opens_every_page_and_clicks_every_link_without_one_dialog(site: str) -> None:
    browser = Browser()
    try:
        # The detector works: a page of the same shape without newsledger fires dialogs.
        browser.open("data:text/html,<a href=\"javascript:alert('control')\">x</a>")
        browser.evaluate("document.querySelector('a').click()")
        browser.wait(0.5)
        assert browser.dialogs == ["control"]
        browser.dialogs.clear()
        for page in _pages(site):
            browser.open(page, settle=0.5)
            unsafe = browser.evaluate(
                "Array.from(document.querySelectorAll('a[href]'))"
                ".filter(a => !/^https?:$/.test(a.protocol)).map(a => a.href)"
            )
            assert unsafe == [], (page, unsafe)
            # Click what a reader could click that stays on this site's pages or is not web.
            browser.evaluate(
                "for (const a of document.querySelectorAll('a[href]'))"
                " { if (!/^https?:$/.test(a.protocol)) a.click(); }"
            )
            browser.wait(0.3)
            assert browser.dialogs == [], (page, browser.dialogs)
    finally:
        browser.close()
