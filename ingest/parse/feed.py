"""Feed documents (RSS 0.9x/1.0/2.0, Atom) to items, with feedparser always handed bytes."""

from __future__ import annotations

import io
import logging
import time
from calendar import timegm
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser

from ingest.errors import FetchError
from ingest.fetch.charset import as_utf8_xml, decode, utf8_declared
from ingest.normalise.items import Item, has_content, make_item
from ingest.normalise.limits import refuse_entity_declarations, shorten_text_runs
from ingest.normalise.sanitise import html_to_text, looks_like_html, sanitise
from ingest.parse.headlines import headline
from ingest.parse.textparts import (
    dateline_place,
    guess_language,
    parse_dateline,
    primary_language,
)

log = logging.getLogger(__name__)

#: Entries read from one document; a feed with more is truncated (newest first in practice).
MAX_ENTRIES = 2000


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
) -> ParsedFeed:
    """Parse a fetched feed; raises FetchError('parse'|'decode') when it is no feed at all."""
    if not body.strip():
        raise FetchError("parse", "empty body")
    decoded = decode(body, content_type, language=language)
    refuse_entity_declarations(decoded.text)
    warnings: list[str] = []
    if decoded.lossy:
        warnings.append(
            f"charset did not fit the bytes; decoded as {decoded.encoding} with replacements"
        )
    head = decoded.text.lstrip()[:512].lower()
    if head.startswith("<!doctype html") or head.startswith("<html"):
        raise FetchError("parse", "the server sent an HTML page, not a feed")
    headers = {"content-type": "application/xml; charset=utf-8", "content-location": url}
    text = shorten_text_runs(decoded.text)
    if (
        text is decoded.text
        and decoded.verbatim
        and decoded.encoding == "utf-8"
        and utf8_declared(text)
    ):
        # Already the UTF-8 document the parser needs: hand it the fetched bytes rather
        # than a re-encoded copy (a 10 MB feed then peaks ~25 MB lower; issue 10, finding 4).
        document = io.BytesIO(body)
    else:
        document = io.BytesIO(as_utf8_xml(text))
    del decoded, text  # the parser needs only the bytes: the decoded copies can go
    try:
        result = feedparser.parse(
            document,
            response_headers=headers,
            sanitize_html=True,
            resolve_relative_uris=True,
        )
    except Exception as exc:  # feedparser raises arbitrary errors on hostile input
        raise FetchError("parse", f"feed parser failed: {type(exc).__name__}: {exc}") from exc
    del document
    version = result.get("version") or ""
    # Taken out of the parser's result so that each entry is freed once it is an item.
    entries: list[Any] = list(result.pop("entries", None) or [])
    if result.get("bozo"):
        problem = result.get("bozo_exception")
        if not entries and not version:
            raise FetchError("parse", f"not a feed: {problem}")
        warnings.append(f"malformed feed recovered: {problem}")
    elif not version and not entries:
        raise FetchError("parse", "not a feed: no RSS or Atom root element")
    feed_language = primary_language((result.get("feed") or {}).get("language")) or language
    items = []
    if len(entries) > MAX_ENTRIES:
        warnings.append(
            f"the feed holds {len(entries)} entries; only the first {MAX_ENTRIES} are read"
        )
    count = len(entries)
    del entries[MAX_ENTRIES:], result
    entries.reverse()  # popped from the end, in document order
    while entries:
        item = _entry_item(
            entries.pop(), feed_language=feed_language, hint=language, headline_rule=headline_rule
        )
        if item is not None:
            items.append(item)
    return ParsedFeed(tuple(items), count, tuple(warnings))


def _entry_item(
    entry: Any, *, feed_language: str | None, hint: str | None, headline_rule: str
) -> Item | None:
    html, text, lang = _body(entry)
    title_value = str(entry.get("title") or "")
    title = html_to_text(title_value) if looks_like_html(title_value) else title_value
    if not title.strip() and not text.strip():
        return None
    published, place, lead = parse_dateline(text)
    if place is None:
        place, lead = dateline_place(text)
    if not title.strip():
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
    """(sanitised html or None, text, language) from the entry's content, else its summary."""
    details: list[Any] = list(entry.get("content") or [])
    if not details and entry.get("summary_detail"):
        details = [entry["summary_detail"]]
    if not details:
        return None, "", None
    best = next((d for d in details if "html" in str(d.get("type", ""))), details[0])
    value = str(best.get("value") or "")
    lang = best.get("language")
    if "html" in str(best.get("type", "")) or looks_like_html(value):
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
