"""A large feed is parsed in slices of whole entries (issue 10, finding 4): the items must
be exactly those of the document parsed whole, whatever its namespaces, `xml:base`,
`xml:lang`, encoding or channel elements placed among the items."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.parse.feed import parse_feed
from ingest.parse.slices import find_entries
from tests.ingest.conftest import fixture_bytes, to_cp1258

WHOLE = 10**9  # a slice size no test document reaches: parsed whole
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "feedparser"

RSS_NAMESPACES = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel xml:base="http://tin.example.vn/thoi-su/">
  <title>Thời sự</title><link>./</link><description>Tin &amp; ảnh</description>
  <item>
    <title>Hội đàm Việt Nam – Lào</title><link>bai/1.html</link><guid>tin-1</guid>
    <dc:creator>Phóng viên A</dc:creator><pubDate>Tue, 14 Jan 2025 09:30:00 +0700</pubDate>
    <content:encoded><![CDATA[<p>Hai bên <a href="anh/1.jpg">trao đổi</a>
      về năng lượng.</p>]]></content:encoded>
  </item>
  <!-- a comment between items -->
  <copyright>Tòa soạn</copyright>
  <item xmlns:media="http://search.yahoo.com/mrss/" xml:base="http://khac.example/">
    <title>Tỉnh Hủa Phăn ký kết</title><link>dia-phuong/2.html</link><guid>tin-2</guid>
    <media:content url="hinh/2.jpg"/>
    <description>&lt;p&gt;Chiều 15/1, lãnh đạo &lt;b&gt;hai tỉnh&lt;/b&gt;
      đã ký.&lt;/p&gt;</description>
  </item>
  <item><title>Không có liên kết</title><description>Bản tin ngắn.</description></item>
  <item/>
  <language>vi-VN</language>
</channel>
</rss>
"""

ATOM_BASE = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="vi" xml:base="http://tin.example.vn/">
  <title>Tin</title><id>urn:tin</id><updated>2025-01-15T08:00:00Z</updated>
  <entry>
    <title>Hội đàm</title><id>urn:tin:1</id><link href="bai/1.html"/>
    <updated>2025-01-14T02:30:00Z</updated>
    <content type="html">&lt;p&gt;Hai bên &lt;a href="anh/1"&gt;trao đổi&lt;/a&gt;.&lt;/p&gt;
    </content>
  </entry>
  <entry xml:base="http://khac.example/muc/" xml:lang="lo">
    <title>ກອງປະຊຸມ</title><id>urn:tin:2</id><link href="2.html"/>
    <updated>2025-01-15T02:30:00Z</updated>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">
      <p>ກອງປະຊຸມ <a href="x">ລາວ</a></p></div></content>
  </entry>
  <entry><title>Ba</title><id>urn:tin:3</id><summary>Bản tin ngắn thứ ba.</summary></entry>
</feed>
"""

RSS_1 = """<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="http://tin.example.vn/"><title>Tin</title><link>http://tin.example.vn/</link>
    <description>d</description><dc:language>vi</dc:language>
    <items><rdf:Seq><rdf:li rdf:resource="http://tin.example.vn/1"/></rdf:Seq></items>
  </channel>
  <item rdf:about="http://tin.example.vn/1"><title>Một</title><link>http://tin.example.vn/1</link>
    <description>Tin thứ nhất.</description><dc:date>2025-01-14T09:30:00+07:00</dc:date></item>
  <item rdf:about="http://tin.example.vn/2"><title>Hai</title><link>http://tin.example.vn/2</link>
    <description>Tin thứ hai.</description></item>
</rdf:RDF>
"""

DOCUMENTS = {
    "rss namespaces, xml:base, channel elements among items": RSS_NAMESPACES.encode(),
    "atom xml:base and xml:lang per entry, xhtml content": ATOM_BASE.encode(),
    "rss 1.0": RSS_1.encode(),
    "windows-1258": to_cp1258(RSS_NAMESPACES.replace("utf-8", "windows-1258", 1)),
    "fixture vi_thoisu.rss": fixture_bytes("vi_thoisu.rss"),
    "fixture en_world.atom": fixture_bytes("en_world.atom"),
}


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_a_feed_parsed_in_slices_gives_exactly_the_items_of_the_whole_document(
    name: str,
) -> None:
    body = DOCUMENTS[name]
    whole = parse_feed(body, url="http://tin.example.vn/feed.rss", slice_bytes=WHOLE)
    # One byte: every entry a slice of its own.
    sliced = parse_feed(body, url="http://tin.example.vn/feed.rss", slice_bytes=1)
    assert sliced == whole
    assert len(whole.items) >= 2


def test_the_feed_language_read_after_the_items_reaches_every_item() -> None:
    parsed = parse_feed(RSS_NAMESPACES.encode(), url="http://t.example/", slice_bytes=1)
    assert {item.language for item in parsed.items} == {"vi"}
    links = [item.url for item in parsed.items]
    assert links[:2] == [
        "http://tin.example.vn/thoi-su/bai/1.html",
        "http://khac.example/dia-phuong/2.html",
    ]


def test_every_feedparser_corpus_feed_of_several_entries_parses_the_same_in_slices() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"feedparser's test corpus is not at {CORPUS} (../shared beside the repo)")
    compared = 0
    for path in sorted(CORPUS.rglob("*.xml")):
        body = path.read_bytes()
        try:
            whole = parse_feed(body, url="http://example.com/feed/", slice_bytes=WHOLE)
        except Exception:  # documents that are no feed fail the same way either way
            continue
        if whole.entries < 2:
            continue
        compared += 1
        assert parse_feed(body, url="http://example.com/feed/", slice_bytes=1) == whole, path
    assert compared >= 10


def test_a_document_expat_cannot_read_is_parsed_whole_and_recovered() -> None:
    broken = RSS_NAMESPACES.replace("</title><link>bai/1.html", "<link>bai/1.html", 1).encode()
    assert find_entries(broken) is None
    parsed = parse_feed(broken, url="http://t.example/", slice_bytes=1)
    assert parsed.items and any("malformed" in w for w in parsed.warnings)


def test_entries_under_two_parents_are_not_sliced() -> None:
    two_channels = (
        b"<rss><channel><item><title>a</title></item><item><title>b</title></item></channel>"
        b"<channel><item><title>c</title></item></channel></rss>"
    )
    assert find_entries(two_channels) is None
    one_channel = two_channels.replace(b"</channel><channel>", b"")
    found = find_entries(one_channel)
    assert found is not None and found.entries == 3
    pieces = list(found.slices(one_channel, size=1, limit=2))
    assert pieces == [
        b"<rss><channel><item><title>a</title></item></channel></rss>",
        b"<rss><channel><item><title>b</title></item></channel></rss>",
    ]
