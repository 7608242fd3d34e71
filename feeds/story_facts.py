"""What the stories projection needs of each event of an article's stream, computed from
the event alone: its fingerprint (shingles, LSH band keys, main meeting). Pure, so a long
catch-up or replay computes it in worker processes (`Projection.prepare`, store/ahead.py)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from feeds.articles import ArticleVersion
from feeds.copies import Settings, band_keys_many
from feeds.meetings import may_meet_two_countries, meetings_known
from feeds.shingles import Hashes, shingles_many
from feeds.story_meetings import MeetingKey, meeting_events, meeting_key
from feeds.text import nfc
from newsfacts import ARTICLE_INGESTED, ARTICLE_SIGHTED
from store import RecordedEvent


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What grouping needs of one article version, computed from the event alone (so a
    long catch-up or replay computes it in worker processes, `Projection.prepare`)."""

    hashes: Hashes  # its shingle hashes in text order, repeats kept (`shingles_many`)
    keys: npt.NDArray[np.uint32]  # LSH band keys
    meeting: MeetingKey | None  # its main meeting, when stories across languages are on


#: The meeting events of an article version, as `Meeting.as_json()` dicts.
MeetingsOf = Callable[[ArticleVersion], list[dict[str, Any]]]


def article_meetings(article: ArticleVersion) -> list[dict[str, Any]]:
    """The meeting events of an article version that a story's meeting key can read (the
    topics' extractor). The key reads only meetings between two countries, so an article
    naming no country but Việt Nam skips the extractor: `may_meet_two_countries` is exact
    for that (tests/feeds/test_meeting_precheck.py), and it turns down most articles that
    are not about foreign relations at a fifth of the extractor's cost. Unless the extractor
    has the article's meetings at hand already: in the worker the topics view reads every
    article's meetings just before (both views catch up together), and its memo answers
    at once where the pre-check would scan the whole text again."""
    known = meetings_known(article.title, article.text, article.language)
    if not known and not may_meet_two_countries(article.title, article.text):
        return []
    return meeting_events(article.title, article.text, article.language, article.published)


class StoryFacts(NamedTuple):
    """What grouping needs of one event of an article's stream (`prepare`)."""

    position: int
    sighting: dict[str, Any] | None  # a sighting's row
    version: ArticleVersion | None  # an ingested article version (without its text: `prepare`)
    fingerprint: Fingerprint | None  # its fingerprint (`prepare`); None for a sighting or revision
    #: An ingested version that another source's text was adopted into: the article whose
    #: rewrite it outlived (ingest/record/adoption.py), whose story it must not join.
    adopted_from: str | None = None
    #: A revision's article: its sightings were of the text it replaces, and go.
    revised: str | None = None


class BatchFacts(list[StoryFacts]):
    """A batch's facts, as `prepare` returns them. A long catch-up or replay pickles them in
    a worker process and loads them in the applying one: each fingerprint's two small arrays
    pickled alone cost ~5 µs an article to load and ~10 to dump (500 of the benchmark's
    articles), a tenth of the applying process's work. Pickled here with the batch's
    arrays joined into one of shingles and one of band keys, each article's cut back out
    of them (as a copy: a view would keep the batch's whole array alive in the grouper's
    cache)."""

    def __reduce__(self) -> tuple[Any, ...]:
        prints = [f.fingerprint for f in self if f.fingerprint is not None]
        shingled = _joined([p.hashes for p in prints], np.uint64)
        keyed = _joined([p.keys for p in prints], np.uint32)
        printed = [f.fingerprint is not None for f in self]
        bare = [f._replace(fingerprint=None) for f in self]
        return _unpacked, (bare, printed, shingled, keyed, [p.meeting for p in prints])


def _joined(arrays: list[npt.NDArray[Any]], dtype: type) -> tuple[npt.NDArray[Any], list[int]]:
    lengths = [len(a) for a in arrays]
    return (np.concatenate(arrays) if arrays else np.zeros(0, dtype=dtype)), lengths


def _unpacked(
    bare: list[StoryFacts],
    printed: list[bool],
    shingled: tuple[Hashes, list[int]],
    keyed: tuple[npt.NDArray[np.uint32], list[int]],
    meetings: list[MeetingKey | None],
) -> BatchFacts:
    hashes, keys = _cut(*shingled), _cut(*keyed)
    prints = iter(
        Fingerprint(own, own_keys, meeting)
        for own, own_keys, meeting in zip(hashes, keys, meetings, strict=True)
    )
    return BatchFacts(
        f._replace(fingerprint=next(prints)) if had else f
        for f, had in zip(bare, printed, strict=True)
    )


def _cut(joined: npt.NDArray[Any], lengths: list[int]) -> list[npt.NDArray[Any]]:
    ends = itertools.accumulate(lengths)
    return [joined[end - length : end].copy() for end, length in zip(ends, lengths, strict=True)]


def story_facts(
    events: Sequence[RecordedEvent], settings: Settings, meetings_of: MeetingsOf | None
) -> BatchFacts:
    """Each event's facts, with the fingerprint of each ingested article version; the
    batch's fingerprints are computed together (`shingles_many`)."""
    facts = [_facts(event) for event in events]
    versions = [f.version for f in facts if f.version is not None]
    found = iter(_fingerprints(versions, settings, meetings_of))
    # The version goes on without its text: grouping needs only its fingerprint, and the
    # text stays in the log (the projection reads a candidate's back from there), so a
    # worker process of a parallel catch-up pickles none of it back.
    return BatchFacts(
        f
        if f.version is None
        else f._replace(version=replace(f.version, text="", html=None), fingerprint=next(found))
        for f in facts
    )


def _facts(event: RecordedEvent) -> StoryFacts:
    if event.type == ARTICLE_SIGHTED.name:
        return StoryFacts(event.position, _sighting(event), None, None)
    if event.type == ARTICLE_INGESTED.name:
        version = ArticleVersion.from_data(event.data)
        adopted_from = event.metadata.get("adopted_from")
        return StoryFacts(event.position, None, version, None, adopted_from)
    # A revision keeps its article's story (a feed entry's id never moves); its new
    # text is not re-grouped. The sightings of the text it replaces leave the story.
    return StoryFacts(event.position, None, None, None, revised=str(event.data["article_id"]))


def _fingerprints(
    articles: Sequence[ArticleVersion], settings: Settings, meetings_of: MeetingsOf | None
) -> list[Fingerprint]:
    # Each title and text normalised once, here: the meeting pre-check and the extractor
    # that read it right after find it in `nfc`'s cache of the last few texts, and the
    # shingles are told it is done. (The shingles first, over the whole batch, left each
    # text to be normalised again by the pre-check: ~8 µs a 5 KB text in NFC already.)
    # Text in NFC, as the ingest stores it, comes back as the same string; only other text
    # is held normalised for the whole batch here, where the shingles held one pass's.
    texts = []
    meetings = []
    for article in articles:
        texts.append((nfc(article.title), nfc(article.text)))
        meetings.append(
            None if meetings_of is None else meeting_key(meetings_of(article), article.published)
        )
    # As they come, not sorted: the grouper sorts the few it compares (Grouper.add).
    hashes = shingles_many(texts, distinct=False, normalised=True)
    keys = band_keys_many(hashes, settings)
    return [
        Fingerprint(own, own_keys, meeting)
        for own, own_keys, meeting in zip(hashes, keys, meetings, strict=True)
    ]


def _sighting(event: RecordedEvent) -> dict[str, Any]:
    data = event.data
    return {
        "article_id": str(data["article_id"]),
        "position": event.position,
        "source_id": str(data.get("source_id") or ""),
        "url": data.get("canonical_url") or data.get("url") or None,
    }
