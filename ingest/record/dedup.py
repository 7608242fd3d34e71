"""Dedup decisions as a pure function of an item's unique keys and which of them are claimed.

Three keys per item, claimed in the store's append transaction so the decision holds
under concurrency:

- `content:<hash>`            the first event with this content (Ingested or Revised)
- `rev:<sha256(source, GUID or link)>`  the article this source published under this
                              GUID (or, in a feed without GUIDs, this item link)
- `seen:<sha256(source, identity, hash)>`  this content at this (source, URL) was recorded

and two that let a source take an edit back (a revision to a text the article had before):

- `replaced:<sha256(source, GUID or link, hash)>:<n>`  the article's text `hash` was
                              replaced by a revision (n = 0, then 1 after a restore)
- `restored:<sha256(source, GUID or link, hash)>`  a revision brought that text back

A text comes back once: a source whose servers serve two versions of a page by turns
would otherwise append a revision on every poll, and move the entry in every reader.

Only the source that published an article can revise it: the revision key holds the
source id, so another source's item with the same canonical URL is a new article (or a
sighting), never a revision; and a new GUID under a reused link is a new article.
Logs written before this rule hold `url:<sha256(canonical)>` keys, which are no longer
read: an article ingested then becomes a new article at its next edit, once.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

from ingest.normalise.canonical import url_key_digest
from ingest.normalise.items import Item
from ingest.record.adoption import adopted_key


class Decision(Enum):
    INGEST = "ingest"  # unseen content: a new article
    SIGHT = "sight"  # known content at a new (source, URL): provenance
    REVISE = "revise"  # new content under a known (source, GUID or link): a new version
    RESTORE = "restore"  # a text the article had, which a revision replaced: a new version
    SKIP = "skip"  # this content at this (source, URL) is already recorded


@dataclass(frozen=True, slots=True)
class ItemKeys:
    content: str
    seen: str
    url: str | None
    #: claimed when another source adopted this text (ingest/record/adoption.py)
    adopted: str
    #: What names the article at its source (hashed into `url`), for the keys of its
    #: versions (`version_keys`); None when `url` is None.
    slot: str | None = None
    #: This text's `version_keys`, when a revision could bring it back: None for a
    #: full-text item, whose `seen` key is its feed entry's, not this text's.
    versions: VersionKeys | None = None


@dataclass(frozen=True, slots=True)
class VersionKeys:
    """The keys of one text of one article: replaced (first, and after its restore) and
    restored."""

    replaced: tuple[str, str]
    restored: str


def version_keys(slot: str, content_hash: str) -> VersionKeys:
    digest = hashlib.sha256(f"{slot}\x1f{content_hash}".encode()).hexdigest()
    return VersionKeys((f"replaced:{digest}:0", f"replaced:{digest}:1"), f"restored:{digest}")


def item_keys(source_id: str, item: Item, *, claim_url: bool = True) -> ItemKeys:
    """The unique keys of `item` at `source_id`; no URL key when the URL cannot identify it."""
    seen = hashlib.sha256(
        "\x1f".join((source_id, item.identity, item.origin_hash or item.content_hash)).encode(
            "utf-8"
        )
    ).hexdigest()
    identity = revision_identity(item)
    slot = f"{source_id}\x1f{identity}" if claim_url and identity is not None else None
    return ItemKeys(
        content=f"content:{item.content_hash}",
        seen=f"seen:{seen}",
        url=None if slot is None else "rev:" + hashlib.sha256(slot.encode()).hexdigest(),
        adopted=adopted_key(item.content_hash),
        slot=slot,
        versions=(
            version_keys(slot, item.content_hash)
            if slot is not None and item.origin_hash is None
            else None
        ),
    )


def revision_identity(item: Item) -> str | None:
    """What names an item across its versions at its source: the GUID, else (a feed without
    GUIDs, a page, a file) the canonical link; None when neither exists."""
    if item.guid:
        return f"guid:{item.guid}"
    if item.canonical_url is not None:
        return f"url:{url_key_digest(item.canonical_url)}"
    return None


def decide(keys: ItemKeys, claimed: Mapping[str, object]) -> Decision:
    """What to append for an item, given the keys already claimed (in the log or this batch)."""
    if keys.seen in claimed:
        return Decision.RESTORE if restorable(keys, claimed) else Decision.SKIP
    if keys.content in claimed:
        # At a new link under the same GUID, the article's own earlier text is a restore
        # too, not a sighting of itself (the feed kept the withdrawn edit a poll longer).
        return Decision.RESTORE if restorable(keys, claimed) else Decision.SIGHT
    if keys.url is not None and keys.url in claimed:
        return Decision.REVISE
    return Decision.INGEST


def restorable(keys: ItemKeys, claimed: Mapping[str, object]) -> bool:
    """Whether this known text is one its article had and lost to a revision, once, and no
    other source adopted it (then the text is that source's article: ingest/record/adoption.py)."""
    versions = keys.versions
    return (
        versions is not None
        and keys.url in claimed
        and versions.replaced[0] in claimed
        and versions.restored not in claimed
        and keys.adopted not in claimed
    )


def ambiguous_urls(items: Iterable[Item]) -> frozenset[str]:
    """Revision identities (`revision_identity`) that several different items of one poll share.

    Some feeds give every entry the site's home page as link, or one GUID for every item
    (miniflux's old bug report); such an identity names no article, so it must neither
    be claimed nor turn the items into revisions of one another.
    """
    hashes: dict[str, set[str]] = defaultdict(set)
    for item in items:
        if (identity := revision_identity(item)) is not None:
            hashes[identity].add(item.content_hash)
    return frozenset(key for key, seen in hashes.items() if len(seen) > 1)
