"""Canonical text, canonical URL and the content hash: what makes two items one article."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.fetch.charset import decode
from ingest.normalise.canonical import (
    SPLIT_SPACES,
    canonical_url,
    clean_and_collapse,
    clean_text,
    collapse,
    content_hash,
)
from ingest.normalise.sanitise import html_to_text, sanitise
from tests.conftest import _missing
from tests.ingest.conftest import to_cp1258

VI = "Thủ tướng hai nước đã hội đàm tại Viêng Chăn về hợp tác đường sắt."


def test_nfc_and_nfd_forms_of_vietnamese_hash_the_same() -> None:
    nfd = unicodedata.normalize("NFD", VI)
    assert nfd != VI
    assert content_hash("Tiêu đề", VI) == content_hash(unicodedata.normalize("NFD", "Tiêu đề"), nfd)


def test_whitespace_differences_do_not_change_the_hash() -> None:
    assert content_hash("A  title", "one\n\n two\tthree ") == content_hash(
        "A title", "one two three"
    )


def test_different_words_change_the_hash() -> None:
    assert content_hash("A title", "one two") != content_hash("A title", "one two three")


def test_title_is_part_of_the_hash() -> None:
    assert content_hash("First", "body") != content_hash("Second", "body")


@given(st.text(), st.text())
def test_hash_is_stable_under_normalisation_and_spacing(title: str, text: str) -> None:
    spaced = "  \n".join(unicodedata.normalize("NFD", text).split(" "))
    assert content_hash(title, text) == content_hash(unicodedata.normalize("NFD", title), spaced)


@given(st.text())
def test_clean_text_is_idempotent_and_nfc(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once
    assert unicodedata.is_normalized("NFC", once)
    assert collapse(once) == collapse(text)


def test_canonical_url_drops_tracking_fragment_default_port_and_case() -> None:
    url = "HTTPS://Tin.Example.VN:443/doi-ngoai/bai-1.html?utm_source=rss&id=7&fbclid=x&gclid=y#top"
    assert canonical_url(url) == "https://tin.example.vn/doi-ngoai/bai-1.html?id=7"


def test_canonical_url_keeps_meaningful_parameters_and_non_default_ports() -> None:
    assert canonical_url("http://example.com:8080/a?b=1&a=2") == "http://example.com:8080/a?b=1&a=2"


def test_canonical_url_rejects_non_http_urls() -> None:
    assert canonical_url("javascript:alert(1)") is None
    assert canonical_url("mailto:a@example.com") is None
    assert canonical_url("not a url") is None
    assert canonical_url(None) is None


def test_canonical_url_of_unicode_host_is_punycode() -> None:
    assert canonical_url("https://báo.example/x") == canonical_url("https://XN--BO-MIA.example/x")
    assert canonical_url("https://báo.example/x") == "https://xn--bo-mia.example/x"


def test_windows_1258_decodes_to_nfc_vietnamese() -> None:
    body = b'<?xml version="1.0" encoding="windows-1258"?><p>' + to_cp1258(VI) + b"</p>"
    decoded = decode(body)
    assert VI in decoded.text
    assert decoded.encoding == "cp1258"
    assert unicodedata.is_normalized("NFC", decoded.text)


def test_charset_from_header_wins_over_a_wrong_xml_declaration() -> None:
    body = '<?xml version="1.0" encoding="utf-8"?><a>Hà Nội</a>'.encode("utf-16-le")
    assert "Hà Nội" in decode(b"\xff\xfe" + body).text
    latin = '<?xml version="1.0" encoding="utf-8"?><a>café</a>'.encode("cp1252")
    assert "café" in decode(latin, "text/xml; charset=windows-1252").text


def test_a_western_header_default_gives_way_to_the_documents_own_charset() -> None:
    """Apache's AddDefaultCharset sends `charset=iso-8859-1` for every file: windows-1252
    maps every byte, so it never failed over, and a windows-1258 feed was stored as
    "ThuÒ týõìng" with no warning. The document's declaration wins (said), and without
    one, bytes that read as Vietnamese in windows-1258; Western text stays as the header says."""
    header = "application/rss+xml; charset=iso-8859-1"
    declared = b'<?xml version="1.0" encoding="windows-1258"?><rss>' + to_cp1258(VI) + b"</rss>"
    undeclared = b"<rss>" + to_cp1258(VI) + b"</rss>"
    utf8 = f'<?xml version="1.0" encoding="utf-8"?><rss>{VI}</rss>'.encode()
    for body, source in ((declared, "xml"), (undeclared, "tones"), (utf8, "xml")):
        decoded = decode(body, header)
        assert VI in decoded.text and decoded.source == source
        assert decoded.doubt() is not None
    western = decode("<rss>Café crème brûlée</rss>".encode("cp1252"), header)
    assert "Café crème brûlée" in western.text and western.doubt() is None


def test_a_header_default_that_fits_or_an_explicit_windows_1252_is_not_overridden() -> None:
    """Pure ASCII reads the same either way: no warning on every poll of an English feed.
    An explicit `charset=windows-1252` is the server's word, not a default."""
    ascii_feed = b'<?xml version="1.0" encoding="UTF-8"?><rss>Trade talks</rss>'
    plain = decode(ascii_feed, "text/xml; charset=ISO-8859-1")
    assert plain.source == "header" and plain.doubt() is None
    western = '<?xml version="1.0" encoding="utf-8"?><a>Café crème</a>'.encode()
    said = decode(western, "text/xml; charset=windows-1252")
    assert said.source == "header" and said.doubt() is None


def test_kept_html_links_lose_user_names_and_passwords_however_written() -> None:
    kept = sanitise(
        '<blockquote cite="https://u:pw@a.example/q"><a href="//u:pw@b.example/x">b</a>'
        '<img src="HTTP://u:pw@c.example/i.png"></blockquote>'
    )
    assert "pw@" not in kept and "a.example/q" in kept and "//b.example/x" in kept


def test_html_meta_charset_is_used_for_pages() -> None:
    page = b'<html><head><meta charset="windows-1258"></head><body>' + to_cp1258(VI) + b"</body>"
    assert VI in decode(page).text


def test_undecodable_bytes_are_replaced_and_marked_lossy() -> None:
    decoded = decode(b"<a>\xff\xfe\xfa broken \x81</a>", "text/xml; charset=utf-8")
    assert decoded.lossy
    assert "broken" in decoded.text


def test_sanitise_removes_scripts_styles_iframes_handlers_and_javascript_urls() -> None:
    dirty = (
        '<p onclick="x()" style="color:red">Hi<script>alert(1)</script></p>'
        '<style>p{}</style><iframe src="https://e.example"></iframe>'
        '<a href="javascript:alert(1)">a</a><a href="https://ok.example/">b</a>'
    )
    clean = sanitise(dirty)
    for bad in ("<script", "alert(1)", "<style", "<iframe", "onclick", "javascript:"):
        assert bad not in clean
    assert 'href="https://ok.example/"' in clean
    assert sanitise(clean) == clean


def test_html_to_text_keeps_paragraphs_and_drops_scripts() -> None:
    text = html_to_text("<p>Xin chào <b>Hà Nội</b></p><p>dòng&nbsp;hai</p><script>bad()</script>")
    assert text == "Xin chào Hà Nội\n\ndòng hai"


def test_undeclared_legacy_vietnamese_is_read_as_windows_1258_for_a_vi_source() -> None:
    decoded = decode(to_cp1258(VI), language="vi")
    assert decoded.text == VI and decoded.encoding == "cp1258" and decoded.source == "fallback"
    assert not decoded.lossy  # every byte mapped: nothing replaced, nothing to warn of


# Western European text in windows-1252: its ã, õ, ð, ì, ò are bytes windows-1258 reads as
# Vietnamese letters or tone marks.
WESTERN = {
    "pt": "As exportações não param: a missão comercial põe as mãos à obra em Março.",
    "it": "Così il ministro: la cooperazione sarà più forte, perché l'università è pronta.",
    "fr": "Le ministre a déclaré à Hanoï que la coopération s'était renforcée cet été.",
    "is": "Ráðherrann sagði að samstarfið hefði aukist á síðasta ári, með þeirra aðstoð.",
    "it-short": "Così è più però sì.",
    "it-place": "Città di Forlì",
}


def test_undeclared_legacy_vietnamese_is_read_as_windows_1258_without_a_language() -> None:
    """A folder of old Vietnamese files with no `language` set: windows-1252 stored
    "Ðà NãÞng" for "Đà Nẵng" in the log, where it can never be mended."""
    text = "Đà Nẵng tăng cường hợp tác với tỉnh Savannakhet.\n\n" + VI
    decoded = decode(to_cp1258(text))
    assert decoded.text == text and decoded.encoding == "cp1258" and not decoded.lossy


def test_undeclared_western_text_stays_windows_1252() -> None:
    for language, text in WESTERN.items():
        decoded = decode(text.encode("cp1252"))
        assert (language, decoded.text) == (language, text)
        assert decoded.encoding == "cp1252" and not decoded.lossy  # a clean file: no warning


def test_real_vietnamese_news_in_windows_1258_is_recognised_without_a_language() -> None:
    corpus = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "news-vi"
    if not corpus.is_dir():
        _missing(f"the news-vi corpus is not at {corpus.parent} (../shared beside the repo)")
    articles = sorted(corpus.glob("*.txt"))
    assert len(articles) > 150
    wrong = []
    for path in articles:
        # The few characters windows-1258 has no byte for (µ, ⁰, an emoji selector) are
        # what such a file could not hold either.
        text = "".join(c for c in path.read_text("utf-8") if _in_cp1258(c))
        if decode(to_cp1258(text)).text != unicodedata.normalize("NFC", text):
            wrong.append(path.name)
    assert wrong == []


def _in_cp1258(char: str) -> bool:
    try:
        to_cp1258(char)
    except UnicodeEncodeError:
        return False
    return True


def _clean_text_reference(text: str) -> str:
    """clean_text as first written (line ends as NUL tokens): the faster version must match."""
    # C1 controls are windows-1252's characters (the five it leaves undefined go below).
    text = "".join(
        bytes([ord(c)]).decode("cp1252", "ignore") if 0x80 <= ord(c) < 0xA0 and c != "\x85" else c
        for c in text
    )
    text = unicodedata.normalize("NFC", text)
    text = re.sub(
        "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u200b\u200c\u200d\u2060\ufeff\u00ad]", "", text
    )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    joined = " ".join(text.replace("\n", " \x00 ").split())
    joined = joined.replace(" \x00", "\x00").replace("\x00 ", "\x00").strip("\x00")
    return re.sub("\x00+", "\n\n", joined)


_MESSY = st.text(
    alphabet=st.sampled_from(
        list("aăâ ệ\u0301\u0323Ế.x\n\r\t\x0b\x0c\x1c\x85\u2028\u00a0\u200b\u00ad\x00\x07\x92\x9f")
    ),
    max_size=80,
)


@given(_MESSY)
def test_clean_text_and_its_collapsed_form_match_the_reference_definitions(text: str) -> None:
    stored, collapsed = clean_and_collapse(text)
    assert stored == clean_text(text) == _clean_text_reference(text)
    assert collapsed == collapse(text) == " ".join(stored.split())


#: Text whose only white space is spaces and line feeds: the already-clean fast path of
#: `_clean_lines`, and every way out of it (two spaces, a space at a line's either end).
_TIDY = st.text(alphabet=st.sampled_from(list("aăệ x.\n")), max_size=60)


@given(_TIDY)
def test_tidy_text_cleans_as_the_reference_definition_says(text: str) -> None:
    stored, collapsed = clean_and_collapse(text)
    assert stored == _clean_text_reference(text)
    assert collapsed == " ".join(stored.split())


def test_split_spaces_are_every_splitting_character_but_space_and_newline() -> None:
    every = {chr(c) for c in range(0x110000) if chr(c).isspace()} - {" ", "\n"}
    assert {c for c in every if re.fullmatch(f"[{SPLIT_SPACES}]", c)} == every
    assert len(re.findall(f"[{SPLIT_SPACES}]", "".join(map(chr, range(0x110000))))) == len(every)


def test_text_and_kept_html_lose_what_no_xml_document_can_hold() -> None:
    """U+FFFE, U+FFFF, lone surrogates and C0 controls reach a feed's Atom document through
    the title, the text or the kept HTML, and lxml refuses the whole document for one of
    them. Tab, line feed and carriage return are XML's own and stay where they belong."""
    assert clean_text("Hợp\uffff tác\ufffe Việt\ud800 Nam") == "Hợp tác Việt Nam"
    kept = sanitise("<p>Việt Nam\x01 và\x0b Lào\ud83d\uffff\tký</p>")
    assert kept == "<p>Việt Nam và Lào\tký</p>"
    assert re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", kept) is None


def test_a_no_break_space_entity_left_as_text_is_a_space() -> None:
    """Scraped or twice-escaped text holds "&nbsp" as letters: real news-vi articles show
    "giữa&nbspLiên minh" and a title "&nbspTại …"."""
    assert clean_text("hợp tác giữa&nbspLiên minh &nbsp;và\n\n&nbspTại") == (
        "hợp tác giữa Liên minh và\n\nTại"
    )
    assert collapse("&nbspTại Hà Nội,&nbsp;hai bên") == "Tại Hà Nội, hai bên"
    assert content_hash("Tin", "giữa&nbspLiên minh") == content_hash("Tin", "giữa Liên minh")


def test_c1_controls_are_read_as_the_windows_1252_characters_they_were() -> None:
    """U+0080-U+009F are what windows-1252 quotes and dashes become when someone decoded
    them as Latin-1; feed readers draw each as a box. NEL (U+0085) is a line break, so a
    space; the five codes windows-1252 leaves undefined are dropped."""
    assert collapse("Lào\x92s \x93Hội nghị\x94\x85hôm nay\x81") == "Lào’s “Hội nghị” hôm nay"
    assert clean_text("Hợp tác \x96 Việt\x85Nam\x8d") == "Hợp tác – Việt Nam"


def test_a_guessed_charset_is_warned_of_alike_by_feeds_pages_and_folders(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from ingest.parse.feed import parse_feed
    from ingest.parse.folder import file_item
    from ingest.parse.webpage import extract_page

    said = "no charset declared and not UTF-8; read as cp1258"
    title = "Đà Nẵng tăng cường hợp tác với tỉnh Savannakhet"
    body = " ".join([VI] * 12)
    feed = (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>t</title><item>"
        f"<title>{title}</title><link>https://e.vn/1</link><description>{body}</description>"
        "</item></channel></rss>"
    )
    parsed = parse_feed(to_cp1258(feed), url="https://e.vn/rss", content_type="application/xml")
    assert parsed.warnings == (said,)
    page = f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
    page += "".join(f"<p>{VI} {n}</p>" for n in range(12)) + "</article></body></html>"
    with caplog.at_level("WARNING"):
        extract_page(to_cp1258(page), url="https://e.vn/a", content_type="text/html")
        file_item(tmp_path / "old.txt", to_cp1258(f"{title}\n\n{body}\n"))
    assert [r.getMessage() for r in caplog.records] == [
        f"https://e.vn/a: {said}",
        f"{tmp_path / 'old.txt'}: {said}",
    ]
    # Declared UTF-8, with a byte that is not: replaced, and said so in the same words.
    broken = feed.replace(title, "Café \udcff").encode("utf-8", "surrogateescape")
    utf8 = parse_feed(broken, url="https://e.vn/rss", content_type="text/xml; charset=utf-8")
    assert utf8.warnings == ("charset did not fit the bytes; decoded as utf-8 with replacements",)
