"""Dedup decisions as a pure function of an item's unique keys and which of them are claimed.

Three keys per item, claimed in the store's append transaction so the decision holds
under concurrency:

- `content:<hash>`            the first event with this content (Ingested or Revised)
- `url:<sha256(canonical)>`   the article first ingested at this canonical URL
- `seen:<sha256(source, identity, hash)>`  this content at this (source, URL) was recorded
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

from ingest.normalise.canonical import url_key_digest
from ingest.normalise.items import Item


class Decision(Enum):
    INGEST = "ingest"  # unseen content: a new article
    SIGHT = "sight"  # known content at a new (source, URL): provenance
    REVISE = "revise"  # new content at a known canonical URL: a new version
    SKIP = "skip"  # this content at this (source, URL) is already recorded


@dataclass(frozen=True, slots=True)
class ItemKeys:
    content: str
    seen: str
    url: str | None


def item_keys(source_id: str, item: Item, *, claim_url: bool = True) -> ItemKeys:
    """The unique keys of `item` at `source_id`; no URL key when the URL cannot identify it."""
    seen = hashlib.sha256(
        "\x1f".join((source_id, item.identity, item.origin_hash or item.content_hash)).encode(
            "utf-8"
        )
    ).hexdigest()
    url = (
        f"url:{url_key_digest(item.canonical_url)}"
        if claim_url and item.canonical_url is not None
        else None
    )
    return ItemKeys(content=f"content:{item.content_hash}", seen=f"seen:{seen}", url=url)


def decide(keys: ItemKeys, claimed: Mapping[str, object]) -> Decision:
    """What to append for an item, given the keys already claimed (in the log or this batch)."""
    if keys.seen in claimed:
        return Decision.SKIP
    if keys.content in claimed:
        return Decision.SIGHT
    if keys.url is not None and keys.url in claimed:
        return Decision.REVISE
    return Decision.INGEST


def ambiguous_urls(items: Iterable[Item]) -> frozenset[str]:
    """Canonical URLs that several different items of one poll share.

    Some feeds give every entry the site's home page as link (or one GUID for every
    item, miniflux's old bug report); such a URL names no article, so it must neither
    be claimed nor turn the items into revisions of one another.
    """
    hashes: dict[str, set[str]] = defaultdict(set)
    for item in items:
        if item.canonical_url is not None:
            hashes[item.canonical_url].add(item.content_hash)
    return frozenset(url for url, seen in hashes.items() if len(seen) > 1)
