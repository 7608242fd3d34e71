"""HTML kept from sources, made safe to store and republish; and HTML reduced to text."""

from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser

import nh3

from ingest.normalise.canonical import clean_text, nfc
from newsfacts.xml_chars import xml_safe

_SCHEMES = {"http", "https", "mailto"}
#: An http(s) link's user name or password in nh3's output, which quotes every attribute
#: value with double quotes.
_LINK_USERINFO = re.compile(r'((?:href|src|cite)="(?:https?:)?//)[^"/\\?#]*@', re.IGNORECASE)
# Elements whose end is a paragraph break in the text rendering.
_BLOCKS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}
    | {"pre", "tr", "table", "section", "article", "header", "footer", "figure", "figcaption"}
    | {"dd", "dt", "dl", "hr", "address", "aside", "main", "nav"}
)
_DROP = frozenset({"script", "style", "noscript", "template", "iframe", "object", "embed"})


def sanitise(html: str) -> str:
    """nh3 (ammonia) with its safe default allow-list, http/https/mailto links only.

    Removes script, style and iframe elements, `on*` attributes and `javascript:` or
    `data:` URLs; the result is stable (sanitising it again changes nothing).
    """
    # Kept HTML is republished inside Atom documents, and one character XML 1.0 cannot hold
    # in one entry made lxml refuse the whole feed: dropped first (nh3 cannot take a lone
    # surrogate at all).
    cleaned = nh3.clean(nfc(xml_safe(html)), url_schemes=_SCHEMES, link_rel="noopener noreferrer")
    if "@" in cleaned:  # a link's user name or password (canonical.without_userinfo)
        cleaned = _LINK_USERINFO.sub(r"\1", cleaned)
    return nfc(cleaned).strip()


def html_to_text(html: str) -> str:
    """Visible text of an HTML fragment, paragraphs on their own lines, NFC."""
    if "<" not in html and "&" not in html:
        return clean_text(html)
    parser = _TextParser()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # html.parser gives up on some broken markup
        return clean_text(html_lib.unescape(re.sub(r"<[^>]*>", " ", html)))
    return clean_text("".join(parser.parts))


class _TextParser(HTMLParser):
    """Collects text, a line break around block elements, nothing from script or style."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP:
            self._hidden += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def looks_like_html(text: str) -> bool:
    """Whether a feed's text field carries markup (feedparser reports text/plain loosely)."""
    return "<" in text and ">" in text
