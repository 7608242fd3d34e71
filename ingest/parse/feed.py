"""Feed documents (RSS 0.9x/1.0/2.0, Atom) to items, with feedparser always handed bytes."""

from __future__ import annotations

import io
import logging
import re
import time
from calendar import timegm
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser

from ingest.errors import FetchError
from ingest.fetch.charset import as_utf8_xml, decode, utf8_declared
from ingest.normalise.canonical import looks_blank, without_userinfo
from ingest.normalise.items import Item, has_content, make_item
from ingest.normalise.limits import (
    drop_impossible_char_refs,
    refuse_entity_declarations,
    shorten_text_runs,
)
from ingest.normalise.sanitise import html_to_text, looks_like_html, sanitise
from ingest.parse.headlines import headline
from ingest.parse.language import guess_language
from ingest.parse.slices import find_entries
from ingest.parse.textparts import dateline_place, parse_dateline, primary_language

log = logging.getLogger(__name__)

#: Entries read from one document; a feed with more is truncated (newest first in practice).
MAX_ENTRIES = 2000
#: A larger document is parsed in slices of about this many bytes of entries (slices.py).
SLICE_BYTES = 256_000


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    items: tuple[Item, ...]
    entries: int  # entries in the document, including empty ones
    warnings: tuple[str, ...]


def parse_feed(
    body: bytes,
    *,
    url: str,
    content_type: str | None = None,
    language: str | None = None,
    headline_rule: str = "sentence",
    slice_bytes: int = SLICE_BYTES,
) -> ParsedFeed:
    """Parse a fetched feed; raises FetchError('parse'|'decode') when it is no feed at all.

    A document over `slice_bytes` is parsed in slices of about that many bytes of entries.
    """
    if not body.strip():
        raise FetchError("parse", "empty body")
    decoded = decode(body, content_type, language=language)
    refuse_entity_declarations(decoded.text)
    doubt = decoded.doubt()
    warnings: list[str] = [] if doubt is None else [doubt]
    head = decoded.text.lstrip()[:512].lower()
    if head.startswith("<!doctype html") or head.startswith("<html"):
        raise FetchError("parse", "the server sent an HTML page, not a feed")
    text = shorten_text_runs(drop_impossible_char_refs(decoded.text))
    if (
        text is decoded.text
        and decoded.verbatim
        and decoded.encoding == "utf-8"
        and utf8_declared(text)
    ):
        # Already the UTF-8 document the parser needs: use the fetched bytes rather than
        # a re-encoded copy (issue 10, finding 4).
        document = body
    else:
        document = as_utf8_xml(text)
    del decoded, text, body  # the parser needs only `document`: the rest can go
    # The base of the feed's relative links: never with the operator's credentials in it.
    base = without_userinfo(url)
    headers = {"content-type": "application/xml; charset=utf-8", "content-location": base}
    found = find_entries(document) if len(document) > slice_bytes else None
    if found is None:
        result = _feedparser(document, headers)
        # Taken out of the parser's result so that each entry is freed once it is an item.
        entries: list[Any] = list(result.pop("entries", None) or [])
        if entries and result.get("bozo") and ends_inside_an_entry(document):
            entries.pop()
            warnings.append(
                "the document ends inside its last entry (cut short?): that entry is left"
                " for a later poll"
            )
        del document
        count = len(entries)
        _check(result, entries=count, warnings=warnings)
        slices: Iterator[list[Any]] = iter([entries])
    else:
        result = _feedparser(found.skeleton(document), headers)
        count = found.entries
        _check(result, entries=count, warnings=warnings)
        # Cut up front so the document can go: the slices not yet parsed shrink as the
        # items grow, rather than the whole document staying until the last slice.
        pieces = list(found.slices(document, size=slice_bytes, limit=MAX_ENTRIES))
        del document
        slices = _entries_by_slice(pieces, headers, warnings)
    feed_language = primary_language((result.get("feed") or {}).get("language")) or language
    del result
    if count > MAX_ENTRIES:
        warnings.append(f"the feed holds {count} entries; only the first {MAX_ENTRIES} are read")
    items: list[Item] = []
    read = 0
    for entries in slices:
        del entries[MAX_ENTRIES - read :]
        read += len(entries)
        entries.reverse()  # popped from the end, in document order
        while entries:
            item = _entry_item(
                entries.pop(), feed_language=feed_language, hint=language,
                headline_rule=headline_rule,
            )  # fmt: skip
            if item is not None:
                items.append(item)
    return ParsedFeed(tuple(items), count, tuple(warnings))


def _feedparser(document: bytes, headers: dict[str, str]) -> Any:
    try:
        return feedparser.parse(
            io.BytesIO(document),
            response_headers=headers,
            sanitize_html=True,
            resolve_relative_uris=True,
        )
    except Exception as exc:  # feedparser raises arbitrary errors on hostile input
        raise FetchError("parse", f"feed parser failed: {type(exc).__name__}: {exc}") from exc


#: An entry's start and end tags (RSS and RDF `item`, Atom `entry`, with or without a prefix).
_ENTRY_START = re.compile(rb"<(?:[\w.-]+:)?(?:item|entry)(?:\s[^<>]*)?>")
_ENTRY_END = re.compile(rb"</(?:[\w.-]+:)?(?:item|entry)\s*>")


def ends_inside_an_entry(document: bytes) -> bool:
    """Whether the last entry of `document` starts after the last entry end: a feed file
    served while being rewritten, or with a Content-Length too short, is cut inside an item,
    which the recovering parser keeps with half its text (a revision at the next poll)."""
    starts = [m.start() for m in _ENTRY_START.finditer(document)]
    ends = [m.start() for m in _ENTRY_END.finditer(document)]
    return bool(starts) and (not ends or starts[-1] > ends[-1])


def _check(result: Any, *, entries: int, warnings: list[str]) -> None:
    """Raise FetchError('parse') for a document that is no feed; note a recovered one."""
    version = result.get("version") or ""
    if result.get("bozo"):
        problem = result.get("bozo_exception")
        if not entries and not version:
            raise FetchError("parse", f"not a feed: {problem}")
        warnings.append(f"malformed feed recovered: {problem}")
    elif not version and not entries:
        raise FetchError("parse", "not a feed: no RSS or Atom root element")


def _entries_by_slice(
    pieces: list[bytes], headers: dict[str, str], warnings: list[str]
) -> Iterator[list[Any]]:
    """The entries of each slice (ingest/parse/slices.py), each slice freed once parsed."""
    pieces.reverse()
    while pieces:
        result = _feedparser(pieces.pop(), headers)
        if result.get("bozo"):
            warning = f"malformed feed recovered: {result.get('bozo_exception')}"
            if warning not in warnings:
                warnings.append(warning)
        entries: list[Any] = list(result.pop("entries", None) or [])
        del result
        yield entries


def _entry_item(
    entry: Any, *, feed_language: str | None, hint: str | None, headline_rule: str
) -> Item | None:
    html, text, lang = _body(entry)
    title_value = str(entry.get("title") or "")
    # A title the feed marks as HTML is read as HTML even without a tag: "Tom &amp; Jerry"
    # (type="html") was kept with its entity.
    detail = entry.get("title_detail") or {}
    marked = "html" in str(detail.get("type", "")) and "&" in title_value
    as_html = marked or looks_like_html(title_value)
    title = html_to_text(title_value) if as_html else title_value
    if not title.strip() and not text.strip():
        return None
    published, place, lead = parse_dateline(text)
    if place is None:
        place, lead = dateline_place(text)
    if looks_blank(title):  # none, or only fillers and format characters
        title = headline(lead, rule=headline_rule)
    when = _time(entry.get("published_parsed") or entry.get("updated_parsed"))
    # feedparser drops what it cannot read (`+07`, `9/14/2026 6:44:00 PM`): kept as text,
    # read later in the source's time zone.
    raw = None if when else str(entry.get("published") or entry.get("updated") or "") or None
    origin = "feed" if when else "dateline"
    when = when or published
    language = primary_language(lang) or feed_language or hint or guess_language(title + " " + text)
    link = entry.get("link")
    guid = entry.get("id")
    url = link if isinstance(link, str) and link.strip() else None
    if url is None and isinstance(guid, str) and guid.startswith(("http://", "https://")):
        url = guid
    item = make_item(
        url=url,
        title=title,
        text=text,
        html=html,
        guid=guid if isinstance(guid, str) else None,
        language=language,
        published=when,
        published_from=origin,
        published_raw=raw,
        place=place,
        author=entry.get("author") if isinstance(entry.get("author"), str) else None,
        extractor="feedparser",
    )
    return item if has_content(item) else None


def _body(entry: Any) -> tuple[str | None, str, str | None]:
    """(sanitised html or None, text, language) from the entry's content (its HTML one
    first), else its summary: the first that holds any text. An empty `content:encoded`
    or an Atom `<content src="…"/>` beside a summary left the article with no text, its
    figures and topics lost."""
    # HTML contents first, each kind in document order (a stable sort).
    ordered = sorted(entry.get("content") or [], key=lambda d: "html" not in str(d.get("type", "")))
    if entry.get("summary_detail"):
        ordered.append(entry["summary_detail"])
    for detail in ordered:
        body = _detail_body(detail)
        if body[1].strip():
            return body
    return None, "", None


def _detail_body(detail: Any) -> tuple[str | None, str, str | None]:
    value = str(detail.get("value") or "")
    lang = detail.get("language")
    if "html" in str(detail.get("type", "")) or looks_like_html(value):
        clean = sanitise(value)
        return (clean or None), html_to_text(clean), lang
    return None, value, lang


def _time(parsed: time.struct_time | None) -> datetime | None:
    """feedparser's UTC struct_time to an aware datetime; nonsense dates become None."""
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(timegm(parsed), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None
