"""The normalised candidate article every source kind produces, before dedup decides on it."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from ingest.normalise.canonical import (
    canonical_url,
    clean_and_collapse,
    collapse,
    hash_collapsed,
    nfc,
    without_userinfo,
)
from ingest.normalise.limits import HTML_CHARS, TEXT_CHARS, TITLE_CHARS, cap, cap_short


@dataclass(frozen=True, slots=True)
class Item:
    """One article as found at a source: cleaned text, canonical URL and content hash."""

    url: str | None
    canonical_url: str | None
    guid: str | None
    title: str
    text: str
    html: str | None
    language: str | None
    published: datetime | None
    extractor: str
    content_hash: str
    place: str | None = None
    author: str | None = None
    #: Where `published` came from (feed, page, dateline); None while the source gave none.
    published_from: str | None = None
    #: The source's date text when feedparser could not read it (read later, in the
    #: source's time zone, by `ingest.normalise.dates`).
    published_raw: str | None = None
    #: For a full-text item: the hash of the feed entry it was fetched for, so that the
    #: entry polled again is recognised without fetching its page again.
    origin_hash: str | None = None

    @property
    def identity(self) -> str:
        """What names the item at its source: canonical URL, else GUID, else its content."""
        return self.canonical_url or (
            f"guid:{self.guid}" if self.guid else f"hash:{self.content_hash}"
        )

    def __reduce__(self) -> tuple[Any, tuple[type[Item], tuple[Any, ...]]]:
        # Pickled from the reader processes to the poller (ingest/parse/readers.py): pickle
        # writes text as UTF-8, whose encoding and decoding cost ~40 µs for a 5 KB
        # Vietnamese article, in UTF-16 ~9 µs (its letters are two bytes either way). A slots
        # dataclass's own pickling also looks up its fields on every item.
        values = [getattr(self, name) for name in _FIELDS]
        for at in _LONG_TEXT:
            if values[at] is not None:
                values[at] = _narrow(values[at])
        if self.html is not None and self.html is self.text:
            values[_HTML] = _SAME_AS_TEXT  # one string shared, not a second copy (issue 10)
        return (_unpickle_item, (type(self), tuple(values)))


def _narrow(text: str) -> str | bytes:
    """`text` in UTF-16, or as it is when it holds a lone surrogate: UTF-16 would pair a high
    one with a low one that follows it into a different character."""
    try:
        return text.encode("utf-16-le")
    except UnicodeEncodeError:
        return text


def _unpickle_item(kind: type[Item], values: tuple[Any, ...]) -> Item:
    wide = list(values)
    for at in _LONG_TEXT:
        if wide[at].__class__ is bytes:
            wide[at] = wide[at].decode("utf-16-le")
    if wide[_HTML] == _SAME_AS_TEXT:
        wide[_HTML] = wide[_TEXT]
    return kind(*wide)


_FIELDS = tuple(f.name for f in fields(Item))
#: The fields that hold an article's text (the rest are short and mostly ASCII).
_LONG_TEXT = tuple(_FIELDS.index(name) for name in ("title", "text", "html"))
_TEXT, _HTML = _FIELDS.index("text"), _FIELDS.index("html")
#: Stands for "the html is the text itself" (no text or html is an int).
_SAME_AS_TEXT = 0


def make_item(
    *,
    url: str | None,
    title: str,
    text: str,
    extractor: str,
    html: str | None = None,
    guid: str | None = None,
    language: str | None = None,
    published: datetime | None = None,
    published_from: str | None = None,
    published_raw: str | None = None,
    place: str | None = None,
    author: str | None = None,
) -> Item:
    """Clean every field (NFC, whitespace) and hash title + text; the one way to build an Item.

    Every field is capped first (ingest/normalise/limits.py): whatever a parser made of
    a source's bytes, one item stays within the stated sizes.
    """
    title, text = cap(title, TITLE_CHARS), cap(text, TEXT_CHARS)
    html = html if html is None or len(html) <= HTML_CHARS else None
    url, guid = cap_short(url), cap_short(guid)
    place, author = cap_short(place), cap_short(author)
    clean_title = collapse(title)
    body, collapsed = clean_and_collapse(text)
    html = nfc(html) if html else None
    if html == body:
        # HTML without markup (most RSS descriptions): one string, not two equal ones, so
        # a feed's items hold its text once (issue 10, finding 4).
        html = body
    return Item(
        url=without_userinfo(nfc(url.strip())) if url and url.strip() else None,
        canonical_url=canonical_url(url),
        guid=collapse(guid) or None if guid else None,
        title=clean_title,
        text=body,
        html=html,
        language=language.lower() if language else None,
        published=published.astimezone(UTC) if published is not None else None,
        extractor=extractor,
        content_hash=hash_collapsed(clean_title, collapsed),
        place=collapse(place) or None if place else None,
        published_from=published_from if published is not None else None,
        published_raw=collapse(published_raw) or None if published_raw else None,
        author=collapse(author) or None if author else None,
    )


def has_content(item: Item) -> bool:
    """An item with neither title nor text is not an article (an empty feed entry)."""
    return bool(item.title or item.text)
