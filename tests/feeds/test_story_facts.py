"""The stories view's prepared batch survives the trip from a worker process of a long
catch-up or replay to the applying one: pickled with its fingerprints' arrays joined, it
loads as the very same facts, each article's arrays its own."""

from __future__ import annotations

import pickle

import numpy as np

from feeds.config import FeedsConfig
from feeds.projections import build_projections
from feeds.stories import StoriesProjection
from feeds.story_facts import BatchFacts
from newsfacts import article_stream
from store import EventStore
from tests.feeds.conftest import append_labelled, article_uuid, labelled, sighted


def test_a_prepared_batch_loads_as_the_same_facts_with_arrays_of_their_own(
    store: EventStore, config: FeedsConfig
) -> None:
    articles = labelled()[:6]
    append_labelled(store, articles)
    # A sighting among the versions: a fact without a fingerprint, kept in its place.
    first = articles[0]["id"]
    store.append(article_stream(article_uuid(first)), [sighted(first, source_id="vov")])
    [stories] = [p for p in build_projections(config) if isinstance(p, StoriesProjection)]
    events = [e for batch in store.read_batches() for e in batch]
    prepared = stories.prepare(events)
    assert isinstance(prepared, BatchFacts)

    loaded = pickle.loads(pickle.dumps(prepared, protocol=pickle.HIGHEST_PROTOCOL))

    assert isinstance(loaded, BatchFacts)
    assert len(loaded) == len(prepared) == 7
    assert [f.fingerprint is None for f in loaded] == [False] * 6 + [True]
    for before, after in zip(prepared, loaded, strict=True):
        assert after._replace(fingerprint=None) == before._replace(fingerprint=None)
        if before.fingerprint is None:
            continue
        assert after.fingerprint is not None
        assert after.fingerprint.meeting == before.fingerprint.meeting
        for old, new in (
            (before.fingerprint.hashes, after.fingerprint.hashes),
            (before.fingerprint.keys, after.fingerprint.keys),
        ):
            assert new.dtype == old.dtype
            np.testing.assert_array_equal(new, old)
            assert new.base is None  # its own, not a view of the batch's joined array
    assert len(loaded[0].fingerprint.hashes) > 10  # type: ignore[union-attr]
