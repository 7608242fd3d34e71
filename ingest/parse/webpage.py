"""Article web pages to items: trafilatura finds the main text, title, date and language."""

from __future__ import annotations

import html as html_lib
import logging
from datetime import UTC, datetime

import trafilatura
from lxml.html import HtmlElement
from trafilatura.settings import set_date_params

from ingest.errors import FetchError
from ingest.fetch.charset import decode
from ingest.normalise.canonical import clean_text, collapse, looks_blank
from ingest.normalise.items import Item, has_content, make_item
from ingest.normalise.sanitise import sanitise
from ingest.parse.headlines import headline
from ingest.parse.language import guess_language
from ingest.parse.textparts import dateline_place, parse_dateline, primary_language

log = logging.getLogger(__name__)


def extract_page(
    body: bytes,
    *,
    url: str,
    content_type: str | None = None,
    language: str | None = None,
    extractor: str = "trafilatura",
) -> Item:
    """The article on an HTML page; FetchError('parse') when the page has no article text."""
    if not body.strip():
        raise FetchError("parse", "empty body")
    decoded = decode(body, content_type, language=language)
    if (doubt := decoded.doubt()) is not None:
        log.warning("%s: %s", url, doubt)
    return extract_html(decoded.text, url=url, language=language, extractor=extractor)


#: Characters of markup handed to trafilatura, scripts, styles and comments left out first:
#: its time and memory grow with the page (a 6 MB page of one table: 20 s of CPU and 1 GB;
#: 6 MB of paragraphs: 6.8 s and 251 MB), while an article's text is kept only up to
#: TEXT_CHARS anyway. News pages are 0.1-1 MB with their scripts.
PAGE_CHARS = 1_000_000
#: What a page never shows, as (opening, closing) in lower case.
_HIDDEN = (("<script", "</script"), ("<style", "</style"), ("<!--", "-->"))


def _bounded(text: str) -> str:
    """The page cut to PAGE_CHARS, after what is never shown (scripts, styles, comments)
    is dropped. In one pass with `str.find`: a regex's lazy `<script.*?</script>` scanned
    to the end of the page for each script never closed (quadratic on a hostile page)."""
    if len(text) <= PAGE_CHARS:
        return text
    lowered = text.lower()
    following = {opening: lowered.find(opening) for opening, _ in _HIDDEN}
    kept: list[str] = []
    size = at = 0
    while size < PAGE_CHARS:
        live = [(following[o], o, c) for o, c in _HIDDEN if following[o] >= 0]
        if not live:
            kept.append(text[at:])
            break
        start, opening, closing = min(live)
        kept.append(text[at:start])
        size += start - at
        end = lowered.find(closing, start + len(opening))
        if end < 0:
            break  # never closed: the rest of the page is inside it
        after = lowered.find(">", end + len(closing) - 1)
        at = len(text) if after < 0 else after + 1
        for other, _ in _HIDDEN:
            if 0 <= following[other] < at:
                following[other] = lowered.find(other, at)
    return "".join(kept)[:PAGE_CHARS]


#: What is dropped from the parsed page before extraction: trafilatura reads a heading's
#: title with `text_content()`, so a `<script>` inside an `<h1>` (a hostile page's, or a
#: widget's) became part of the headline. JSON-LD scripts stay: they hold the page's date
#: and author.
_NEVER_SHOWN = (
    '//script[not(@type="application/ld+json" or @type="application/settings+json")]'
    " | //style | //template"
)


def _page_tree(text: str) -> HtmlElement | str:
    """The page parsed as trafilatura parses it, without what it never shows; the text
    itself when it is not HTML (trafilatura then finds nothing, as before)."""
    tree = trafilatura.load_html(text)
    if tree is None:
        return text
    for element in tree.xpath(_NEVER_SHOWN):
        element.drop_tree()  # its tail (the heading's text after it) is kept
    return tree


def extract_html(text: str, *, url: str, language: str | None, extractor: str) -> Item:
    try:
        found = trafilatura.bare_extraction(
            _page_tree(_bounded(text)),
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            favor_precision=True,
            # The date from the page's markup (meta tags, <time>, JSON-LD, the URL) only.
            # trafilatura's default also searches the free text, and made "2019" in a
            # sentence ("Con số 2019 …") the article's date: 2019-01-01, said to be from
            # the page's metadata. An undated page is dated by its dateline or not at all.
            date_extraction_params=set_date_params(extensive=False),
        )
    except Exception as exc:  # trafilatura wraps lxml, which raises many kinds of errors
        raise FetchError("parse", f"page extraction failed: {type(exc).__name__}: {exc}") from exc
    if found is not None and not isinstance(found, dict):
        found = found.as_dict()
    if not isinstance(found, dict) or not (found.get("text") or "").strip():
        raise FetchError("parse", "no article text found on the page")
    body_text = clean_text(str(found["text"]))
    title = str(found.get("title") or "")
    # trafilatura often keeps the page's <h1> as the first line; it is the title, not text.
    first, _, rest = body_text.partition("\n\n")
    if rest and title and collapse(first) == collapse(title):
        body_text = rest
    if looks_blank(title):  # no <title>, no heading: its first sentence, as for feed items
        title = headline(body_text)
    dated, place, _ = parse_dateline(body_text)
    if place is None:
        place = dateline_place(body_text)[0]
    published = _date(found.get("date"))
    origin = "page" if published else "dateline"
    published = published or dated
    paragraphs = [p for p in body_text.split("\n\n") if p]
    html = sanitise("".join(f"<p>{html_lib.escape(p, quote=False)}</p>" for p in paragraphs))
    item = make_item(
        url=url,
        title=title,
        text=body_text,
        html=html or None,
        language=primary_language(found.get("language"))
        or language
        or guess_language(title + " " + body_text),
        published=published,
        published_from=origin,
        place=place,
        author=str(found["author"]) if found.get("author") else None,
        extractor=extractor,
    )
    if not has_content(item):
        raise FetchError("parse", "no article text found on the page")
    return item


def _date(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d"):
        try:
            moment = datetime.strptime(value, fmt)
        except ValueError:
            continue
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None
