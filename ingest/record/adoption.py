"""A text another source published first, kept when the first publisher rewrites it.

Dedup gives a text to whoever published it first: a second source with the same text is
a sighting of the first one's article. When the first publisher then revises its article,
the text the others published would be left in no article at all, and a copier that
published a victim's text a moment before the victim did, then rewrote it, could take the
victim's article out of every feed. So the revision is appended with an adoption in the
same transaction: the earliest other source that sighted the text becomes its publisher, as
a new article of its own (`ArticleIngested`, claiming `adopted:<hash>`), and the later
sightings of other sources are sightings of it. Pure: the recorder reads the stream.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from newsfacts import ArticleContent, ArticleSightedData

#: The key an adoption claims: later items with the text are sightings of the adopter's
#: article, not of the revised one.
ADOPTED = "adopted:"


#: A revision that keeps this share of the words of the text it replaces is a correction
#: (a typo fixed, a line added): the other sources carried that article, not a text its
#: publisher abandoned, and two entries for one wire story would follow.
CORRECTION = 0.8


def adopted_key(content_hash: str) -> str:
    return ADOPTED + content_hash


def rewritten(before: str, after: str) -> bool:
    """Whether `after` replaces `before` rather than correcting it: fewer than CORRECTION
    of the words of the longer are shared (as multisets: word order and repeats aside)."""
    old, new = Counter(before.split()), Counter(after.split())
    shared = sum((old & new).values())
    return shared < CORRECTION * max(old.total(), new.total(), 1)


def adoption(
    content: ArticleContent, sightings: Sequence[ArticleSightedData], *, article_id: str
) -> tuple[ArticleContent, list[ArticleSightedData]] | None:
    """The new article (as `ArticleIngested` data with id `article_id`) and its sightings,
    for the text `content` holds, or None when no other source sighted that text.

    `content` is the data of the revised article's newest content event; `sightings` those
    of its stream, in log order. The first publisher's own copies at other links stay with
    it; each (source, link) is listed once.
    """
    text_hash, publisher = content["content_hash"], content["source_id"]
    others = [
        s for s in sightings if s["content_hash"] == text_hash and s["source_id"] != publisher
    ]
    if not others:
        return None
    first, *rest = others
    data: ArticleContent = {
        "article_id": article_id,
        "version": 1,
        "content_hash": text_hash,
        "source_id": first["source_id"],
        "source_kind": first["source_kind"],
        "url": first["url"],
        "canonical_url": first["canonical_url"],
        "guid": None,  # a sighting records none: the adopter's GUID is not known
        "title": first["title"],
        "text": content["text"],
        "html": content["html"],
        "language": content["language"],
        "published": first["published"],
        "published_from": first["published_from"],
        "fetched": first["fetched"],
        "extractor": content["extractor"],
        "place": content["place"],
        "author": None,  # the byline was the first publisher's
    }
    listed = {(first["source_id"], first["url"])}
    later: list[ArticleSightedData] = []
    for sighting in rest:
        where = (sighting["source_id"], sighting["url"])
        if where not in listed:
            listed.add(where)
            later.append({**sighting, "article_id": article_id})
    return data, later
