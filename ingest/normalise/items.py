"""The normalised candidate article every source kind produces, before dedup decides on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from ingest.normalise.canonical import (
    canonical_url,
    clean_and_collapse,
    collapse,
    hash_collapsed,
    nfc,
)


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
    """Clean every field (NFC, whitespace) and hash title + text; the one way to build an Item."""
    clean_title = collapse(title)
    body, collapsed = clean_and_collapse(text)
    return Item(
        url=nfc(url.strip()) if url and url.strip() else None,
        canonical_url=canonical_url(url),
        guid=collapse(guid) or None if guid else None,
        title=clean_title,
        text=body,
        html=nfc(html) if html else None,
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
