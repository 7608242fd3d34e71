"""Bad input: each is a SourceFetchFailed, or an article plus a logged warning; never a crash."""

from __future__ import annotations

import gzip
import logging
import unicodedata
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from store import EventStore
from tests.ingest.conftest import events, fixture_bytes, make_config, to_cp1258

RSS = fixture_bytes("vi_thoisu.rss")
VI = "Hội nghị hợp tác kinh tế giữa hai tỉnh biên giới đã kết thúc tốt đẹp"


def rss(items: str, *, declaration: str = '<?xml version="1.0" encoding="utf-8"?>') -> str:
    return f'{declaration}<rss version="2.0"><channel><title>T</title><link>https://e.example/</link>{items}</channel></rss>'


def poll_body(
    store: EventStore,
    httpserver: HTTPServer,
    harness_factory: Any,
    body: bytes,
    *,
    headers: dict[str, str] | None = None,
    content_type: str = "application/rss+xml",
    **fetch: Any,
) -> Any:
    httpserver.expect_request("/feed").respond_with_data(
        body, content_type=content_type, headers=headers
    )
    config = make_config(
        [{"id": "bad", "kind": "feed", "url": httpserver.url_for("/feed")}], **fetch
    )
    return harness_factory(store, config).poll("bad")


def failure(store: EventStore) -> dict[str, Any]:
    (event,) = events(store, "SourceFetchFailed")
    assert events(store, "ArticleIngested") == []
    return event.data


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "parse"),
        (b"   \n  ", "parse"),
        (b"<<<this is not &&& xml at all", "parse"),
        (
            b"<!DOCTYPE html><html><head><title>Trang chu</title></head>"
            b"<body><p>Xin chao</p></body></html>",
            "parse",
        ),
        (b"\x00\x01\x02\xff\xfe binary junk", "parse"),
    ],
    ids=["empty", "blank", "garbage", "html-as-feed", "binary"],
)
def test_unusable_bodies_are_parse_failures(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any, body: bytes, reason: str
) -> None:
    report = poll_body(store, httpserver, harness_factory, body)
    assert report.outcome == f"failed:{reason}"
    data = failure(store)
    assert data["reason"] == reason and data["message"] and data["failures"] == 1


def test_recoverable_malformed_xml_is_ingested_with_a_warning(
    store: EventStore,
    httpserver: HTTPServer,
    harness_factory: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = rss(
        "<item><title>Giá điện & nước</title><link>https://e.example/1</link>"
        "<description>Tăng 3% <b>từ tháng sau</description></item>"
    )
    with caplog.at_level(logging.WARNING):
        report = poll_body(store, httpserver, harness_factory, body.encode())
    assert report.outcome == "ok" and report.events["ArticleIngested"] == 1
    assert "malformed feed recovered" in caplog.text
    assert events(store, "ArticleIngested")[0].data["title"] == "Giá điện & nước"


def test_a_wrong_charset_header_is_recovered_with_a_warning(
    store: EventStore,
    httpserver: HTTPServer,
    harness_factory: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = rss(
        f"<item><title>{VI}</title><link>https://e.example/1</link></item>",
        declaration='<?xml version="1.0"?>',
    )
    with caplog.at_level(logging.WARNING):
        report = poll_body(
            store,
            httpserver,
            harness_factory,
            to_cp1258(body),
            content_type="application/rss+xml; charset=utf-8",
        )
    assert report.events["ArticleIngested"] == 1
    assert "charset" in caplog.text
    title = events(store, "ArticleIngested")[0].data["title"]
    assert unicodedata.is_normalized("NFC", title) and "Hội" not in title


def test_windows_1258_declared_in_the_xml_declaration_decodes_correctly(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    body = rss(
        f"<item><title>{VI}</title><link>https://e.example/1</link><description>{VI}.</description></item>",
        declaration='<?xml version="1.0" encoding="windows-1258"?>',
    )
    poll_body(store, httpserver, harness_factory, to_cp1258(body), content_type="text/xml")
    data = events(store, "ArticleIngested")[0].data
    assert data["title"] == VI and data["text"] == VI + "."


def test_windows_1258_from_the_http_header_decodes_correctly(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    body = rss(
        f"<item><title>{VI}</title><link>https://e.example/1</link></item>",
        declaration='<?xml version="1.0"?>',
    )
    poll_body(
        store,
        httpserver,
        harness_factory,
        to_cp1258(body),
        content_type="application/xml; charset=windows-1258",
    )
    assert events(store, "ArticleIngested")[0].data["title"] == VI


def test_a_missing_charset_on_legacy_bytes_is_recovered(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    body = rss(
        "<item><title>Café in Vientiane</title><link>https://e.example/1</link></item>",
        declaration="",
    )
    report = poll_body(
        store, httpserver, harness_factory, body.encode("cp1252"), content_type="application/xml"
    )
    assert report.events["ArticleIngested"] == 1
    assert events(store, "ArticleIngested")[0].data["title"] == "Café in Vientiane"


def test_a_body_over_the_cap_is_too_large(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    report = poll_body(store, httpserver, harness_factory, b" " * 5000 + RSS, max_bytes=4000)
    assert report.outcome == "failed:too_large"


def test_a_streamed_body_without_length_over_the_cap_is_too_large(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    def chunks() -> Any:
        for _ in range(100):
            yield b"<!-- padding -->" * 64

    httpserver.expect_request("/feed").respond_with_handler(lambda request: Response(chunks()))
    config = make_config(
        [{"id": "bad", "kind": "feed", "url": httpserver.url_for("/feed")}], max_bytes=20_000
    )
    assert harness_factory(store, config).poll("bad").outcome == "failed:too_large"


def test_a_gzip_bomb_is_stopped_at_the_decompressed_cap(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    bomb = gzip.compress(b"\0" * 200_000_000, compresslevel=9)
    assert len(bomb) < 300_000
    report = poll_body(
        store,
        httpserver,
        harness_factory,
        bomb,
        headers={"Content-Encoding": "gzip"},
        max_decompressed_bytes="5MB",
    )
    assert report.outcome == "failed:too_large"
    assert "inflates" in failure(store)["message"]


def test_a_corrupt_gzip_body_is_a_decode_failure(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    report = poll_body(
        store,
        httpserver,
        harness_factory,
        b"\x1f\x8b\x08\x00garbage-garbage",
        headers={"Content-Encoding": "gzip"},
    )
    assert report.outcome == "failed:decode"


def test_an_endless_redirect_loop_fails_as_redirect(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})
    config = make_config([{"id": "loop", "kind": "feed", "url": httpserver.url_for("/a")}])
    assert harness_factory(store, config).poll("loop").outcome == "failed:redirect"
    assert len(httpserver.log) == 2


def test_a_redirect_chain_longer_than_the_limit_fails(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    def hop(request: Request) -> Response:
        n = int(request.args.get("n", "0"))
        return Response("", status=307, headers={"Location": f"/hop?n={n + 1}"})

    httpserver.expect_request("/hop").respond_with_handler(hop)
    config = make_config(
        [{"id": "far", "kind": "feed", "url": httpserver.url_for("/hop")}], max_redirects=3
    )
    assert harness_factory(store, config).poll("far").outcome == "failed:redirect"
    assert len(httpserver.log) == 4


def test_a_server_that_never_answers_times_out(
    store: EventStore, silent_server: str, harness_factory: Any
) -> None:
    config = make_config([{"id": "mute", "kind": "feed", "url": silent_server}], timeout="1s")
    report = harness_factory(store, config).poll("mute")
    assert report.outcome == "failed:timeout"


def test_a_refused_connection_is_a_connect_failure(store: EventStore, harness_factory: Any) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = make_config([{"id": "down", "kind": "feed", "url": f"http://127.0.0.1:{port}/rss"}])
    assert harness_factory(store, config).poll("down").outcome == "failed:connect"


def test_an_unresolvable_host_is_a_dns_failure(store: EventStore, harness_factory: Any) -> None:
    config = make_config(
        [{"id": "nx", "kind": "feed", "url": "http://no-such-host.invalid/rss"}], timeout="5s"
    )
    assert harness_factory(store, config).poll("nx").outcome == "failed:dns"


def test_an_http_error_status_is_recorded_with_the_status(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    httpserver.expect_request("/feed").respond_with_data("missing", status=404)
    config = make_config([{"id": "nf", "kind": "feed", "url": httpserver.url_for("/feed")}])
    report = harness_factory(store, config).poll("nf")
    assert report.outcome == "failed:http_status" and report.status == 404
    assert failure(store)["status"] == 404


def test_the_same_guid_on_every_item_still_yields_every_article(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    items = "".join(
        f"<item><guid>same-guid</guid><title>Tin {n}</title><link>https://e.example/home</link>"
        f"<description>Nội dung tin số {n}.</description></item>"
        for n in range(4)
    )
    report = poll_body(store, httpserver, harness_factory, rss(items).encode())
    assert report.events["ArticleIngested"] == 4
    assert events(store, "ArticleRevised") == []


def test_entries_with_no_link_or_no_date_are_ingested(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    items = (
        "<item><title>Không có đường dẫn</title>"
        "<description>Bản tin không có liên kết.</description></item>"
        "<item><title>No date</title><link>https://e.example/n</link>"
        "<description>Undated item.</description></item>"
    )
    report = poll_body(store, httpserver, harness_factory, rss(items).encode())
    assert report.events["ArticleIngested"] == 2
    no_link, no_date = (e.data for e in events(store, "ArticleIngested"))
    assert no_link["url"] is None and no_link["canonical_url"] is None
    assert no_date["canonical_url"] == "https://e.example/n"
    # No date anywhere: the fetch time, marked as such.
    assert (no_date["published"], no_date["published_from"]) == (no_date["fetched"], "fetch")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>Laughs</title><item><title>&lol9;</title>
<link>https://e.example/l</link><description>x</description></item></channel></rss>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>XXE</title><item><title>Leak &xxe;</title>
<link>https://e.example/x</link><description>body &xxe;</description></item></channel></rss>"""


def test_billion_laughs_does_not_expand(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    report = poll_body(store, httpserver, harness_factory, BILLION_LAUGHS)
    assert report.outcome in ("ok", "failed:parse")
    for event in events(store, "ArticleIngested"):
        assert len(event.data["title"]) < 1000


def test_external_entities_are_never_resolved(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    report = poll_body(store, httpserver, harness_factory, EXTERNAL_ENTITY)
    assert report.outcome in ("ok", "failed:parse")
    for event in store.read_all():
        assert "root:" not in str(event.data)


@pytest.mark.parametrize(
    "before",
    ["<!-- <x> -->", "<?pi <x?>", "<!-- ]> -->", '<!ATTLIST rss a CDATA "x ]> y">'],
)
def test_entity_declarations_after_markup_like_text_in_the_subset_are_still_refused(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any, before: str
) -> None:
    """A comment, processing instruction or literal in the internal subset holding `<x` or
    `]>` ended the search for declarations before them: their entities were expanded (a
    7.6 MB feed of them took 1 GB), and here one was stored as an article's text."""
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [{before}<!ENTITY secret "SECRET-TEXT">]>'
        '<rss version="2.0"><channel><title>t</title><item><title>Tin &secret;</title>'
        "<link>https://e.example/s</link><description>x &secret;</description></item>"
        "</channel></rss>"
    ).encode()
    report = poll_body(store, httpserver, harness_factory, body)
    assert report.outcome == "failed:parse"
    assert not any("SECRET-TEXT" in str(e.data) for e in store.read_all())


def test_character_references_no_text_can_hold_lose_only_themselves(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    """`&#xD800;` (a surrogate), `&#0;`, `&#xFFFE;` in one item: feedparser hands them over
    as characters, and encoding the item failed the whole feed (`failed:parse`), losing
    its valid items too."""
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>S</title>'
        "<link>https://s.example/</link><description>d</description>"
        "<item><title>Tin &#xD800;một</title><link>https://s.example/1</link>"
        "<description>Nội dung &#xDFFF; &#55296; &#0; &#x1; &#xFFFE; &#x110000;"
        f"&#{'9' * 5000}; một.</description></item>"
        "<item><title>Tin hai</title><link>https://s.example/2</link>"
        "<description>Nội dung hai.</description></item></channel></rss>"
    ).encode()
    report = poll_body(store, httpserver, harness_factory, body)
    assert report.outcome == "ok"
    titles = sorted(e.data["title"] for e in events(store, "ArticleIngested"))
    assert titles == ["Tin hai", "Tin một"]


def test_every_stored_article_is_whole(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    poll_body(store, httpserver, harness_factory, RSS)
    expected = {
        "article_id",
        "version",
        "content_hash",
        "source_id",
        "source_kind",
        "url",
        "canonical_url",
        "guid",
        "title",
        "text",
        "html",
        "language",
        "published",
        "published_from",
        "fetched",
        "extractor",
        "place",
        "author",
    }
    for event in events(store, "ArticleIngested"):
        assert set(event.data) == expected
        assert event.data["title"] and event.data["text"]


def test_a_huge_page_is_read_to_a_bound_after_its_scripts_and_styles_are_dropped() -> None:
    """trafilatura's time and memory grow with the page (6 MB of one table: 20 s of CPU and
    1 GB). A page is cut to PAGE_CHARS, after scripts, styles and comments, which pages
    are mostly made of, are dropped: the article after 1.5 MB of them is still read."""
    from ingest.parse.webpage import PAGE_CHARS, extract_html

    script = "<script>var state = " + "[1,2,3]," * 200_000 + "0;</script>"
    article = "".join(
        f"<p>Đoạn {n}: kim ngạch thương mại Việt Nam – Lào tiếp tục tăng trong năm nay.</p>"
        for n in range(40)
    )
    tail = "<p>" + "Phần cuối trang. " * 400_000 + "DẤU-CUỐI</p>"
    page = f"<html><head>{script}<style>p{{}}</style></head><body><article>{article}{tail}"
    assert len(script) > 1.5 * 10**6 and len(page) > 5 * PAGE_CHARS
    item = extract_html(page, url="https://e.example/p", language="vi", extractor="trafilatura")
    assert "Đoạn 0: kim ngạch" in item.text and "Đoạn 39" in item.text
    assert "DẤU-CUỐI" not in item.text and "var state" not in item.text


def test_a_script_inside_the_heading_is_not_part_of_the_headline() -> None:
    """trafilatura reads an `<h1>`'s title with all its text, scripts included; the page
    reaches it without scripts and styles, but its JSON-LD (the date) is still read."""
    from ingest.parse.webpage import extract_html

    article = "".join(
        f"<p>Đoạn {n}: hai bên trao đổi về hợp tác năng lượng và giao thông.</p>" for n in range(12)
    )
    page = (
        '<html><head><script type="application/ld+json">'
        '{"@type": "NewsArticle", "datePublished": "2024-10-24"}</script></head><body>'
        '<h1>Hai bộ trưởng gặp nhau<script>var mark = "CHÈN";</script>'
        "<style>h1{color:red}</style> tại Viêng Chăn</h1>"
        f"<article>{article}</article></body></html>"
    )
    item = extract_html(page, url="https://e.example/p", language="vi", extractor="trafilatura")
    assert item.title == "Hai bộ trưởng gặp nhau tại Viêng Chăn"
    assert item.published is not None and item.published.date().isoformat() == "2024-10-24"
    assert "CHÈN" not in item.text and "color" not in item.text


def test_an_atom_title_marked_html_is_read_as_html_even_without_a_tag(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    """`<title type="html">Tom &amp;amp; Jerry</title>` was stored as "Tom &amp; Jerry":
    only a title with both "<" and ">" was read as HTML. A text title stays as written."""
    body = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>t</title><id>urn:x</id><updated>2025-01-06T00:00:00Z</updated>"
        '<entry><title type="html">Tom &amp;amp; Jerry</title><id>urn:1</id>'
        '<link href="https://e.example/1"/><updated>2025-01-06T00:00:00Z</updated>'
        "<summary>Một.</summary></entry>"
        '<entry><title type="text">AT&amp;amp;T</title><id>urn:2</id>'
        '<link href="https://e.example/2"/><updated>2025-01-06T00:00:00Z</updated>'
        "<summary>Hai.</summary></entry></feed>"
    ).encode()
    report = poll_body(
        store, httpserver, harness_factory, body, content_type="application/atom+xml"
    )
    assert report.outcome == "ok"
    titles = sorted(e.data["title"] for e in events(store, "ArticleIngested"))
    assert titles == ["AT&amp;T", "Tom & Jerry"]


_EMPTY_CONTENT = {
    "rss content:encoded of white space": (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>t</title>'
        "<item><title>Kim ngạch thương mại</title><link>https://e.example/1</link>"
        "<description>Kim ngạch đạt 476,8 triệu USD.</description>"
        "<content:encoded><![CDATA[ <p> </p> ]]></content:encoded></item></channel></rss>",
        "application/rss+xml",
        "Kim ngạch đạt 476,8 triệu USD.",
    ),
    "atom content out of line": (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>t</title><id>urn:x</id><updated>2025-01-06T00:00:00Z</updated>"
        "<entry><title>Đầu tư</title><id>urn:2</id><link href='https://e.example/2'/>"
        "<updated>2025-01-06T00:00:00Z</updated>"
        '<content type="text/html" src="https://e.example/2.html"/>'
        "<summary>Vốn đầu tư 14.050 tỷ đồng.</summary></entry></feed>",
        "application/atom+xml",
        "Vốn đầu tư 14.050 tỷ đồng.",
    ),
}


@pytest.mark.parametrize("case", sorted(_EMPTY_CONTENT))
def test_an_empty_content_element_does_not_hide_the_summary(
    case: str, store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    """An RSS item with `<content:encoded>` of white space, and an Atom entry whose content
    is out of line (`src=`): the text is the summary, not nothing (its figure was lost)."""
    body, content_type, text = _EMPTY_CONTENT[case]
    report = poll_body(store, httpserver, harness_factory, body.encode(), content_type=content_type)
    assert report.outcome == "ok"
    assert [e.data["text"] for e in events(store, "ArticleIngested")] == [text]


@pytest.mark.parametrize("items", [3, 400])  # parsed whole, and past the slicing size
def test_a_feed_cut_short_inside_its_last_item_leaves_that_item_for_a_later_poll(
    items: int,
) -> None:
    """A feed file served while it is rewritten (or with a Content-Length too short) ends
    inside an item: the recovering parser kept it with half its text, an article that the
    next poll revised. The items before it are read; it waits for a whole document."""
    from ingest.parse.feed import parse_feed

    pad = "Hai bên nhất trí tăng cường hợp tác. " * (0 if items < 10 else 40)
    entries = "".join(
        f"<item><title>Tin {i}</title><link>https://e.vn/{i}</link>"
        f"<description>{pad}Kim ngạch đạt {i},5 triệu USD.</description></item>"
        for i in range(items)
    )
    whole = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"{entries}</channel></rss>"
    ).encode()
    cut = whole[: whole.rindex("triệu USD".encode())]
    parsed = parse_feed(cut, url="https://e.vn/rss", content_type="application/rss+xml")
    assert [i.title for i in parsed.items] == [f"Tin {i}" for i in range(items - 1)]
    assert parsed.items[-1].text.endswith(f"Kim ngạch đạt {items - 2},5 triệu USD.")
    assert any("ends inside its last entry" in w for w in parsed.warnings)
    complete = parse_feed(whole, url="https://e.vn/rss", content_type="application/rss+xml")
    assert len(complete.items) == items and not complete.warnings


def test_a_title_that_shows_nothing_is_replaced_by_a_headline_from_the_text(
    tmp_path: Any,
) -> None:
    """Hangul fillers, a blank Braille pattern, tag and format characters: a title of them
    only was kept, an invisible link on the index. Each is read as no title at all."""
    from ingest.parse.feed import parse_feed
    from ingest.parse.textparts import parse_text_article

    blank = "\u3164\u3164 \u115f\u2800\u200b\U000e0041\u180e"
    text = "Hai bên ký kết biên bản hợp tác về giáo dục. Lễ ký diễn ra tại Viêng Chăn."
    rss = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>{blank}</title><link>https://e.vn/1</link>"
        f"<description>{text}</description></item></channel></rss>"
    ).encode()
    (item,) = parse_feed(rss, url="https://e.vn/rss", content_type="application/rss+xml").items
    assert item.title == "Hai bên ký kết biên bản hợp tác về giáo dục"
    article = parse_text_article(f"{blank}\n\n{text}\n")
    assert article.title == "Hai bên ký kết biên bản hợp tác về giáo dục"
    assert article.text.startswith("Hai bên")


def test_a_feed_cut_inside_a_start_tag_keeps_every_whole_item() -> None:
    """Cut at `</item><item rdf:abo`: the parser made no entry of the unfinished tag, so
    dropping "the last entry" dropped the last whole one, for good on a feed always served
    short. Only a start tag that was closed counts."""
    from ingest.parse.feed import parse_feed

    entries = "".join(
        f'<item rdf:about="https://e.vn/{i}"><title>Tin {i}</title><link>https://e.vn/{i}</link>'
        f"<description>Kim ngạch đạt {i},5 triệu USD.</description></item>"
        for i in range(3)
    )
    cut = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"{entries}<item rdf:abo"
    ).encode()
    parsed = parse_feed(cut, url="https://e.vn/rss", content_type="application/rss+xml")
    assert [i.title for i in parsed.items] == ["Tin 0", "Tin 1", "Tin 2"]


def test_a_folder_file_of_many_blank_looking_lines_is_read_to_its_first_visible_one() -> None:
    from ingest.parse.textparts import parse_text_article

    article = parse_text_article("\u200b\n" * 5000 + "Hội đàm Việt – Lào\n\nHai bên ký kết.")
    assert (article.title, article.text) == ("Hội đàm Việt – Lào", "Hai bên ký kết.")
