"""The log's append contract, on SQLite and PostgreSQL."""

from __future__ import annotations

import pickle
import time
import uuid
from datetime import UTC

import pytest

from store import (
    ConcurrencyError,
    DuplicateKeyError,
    EventStore,
    NewEvent,
    StoreError,
    StreamAppend,
)


def event(kind: str = "Noted", **data: object) -> NewEvent:
    return NewEvent(kind, dict(data))


def test_appends_get_gapless_positions_and_stream_versions(store: EventStore) -> None:
    assert store.append("a-1", [event(n=1), event(n=2)]) == [1, 2]
    assert store.append("a-2", [event(n=3)]) == [3]
    assert store.append("a-1", [event(n=4)]) == [4]
    assert [e.stream_version for e in store.read_stream("a-1")] == [1, 2, 3]
    assert store.head() == 4
    assert store.stream_version("a-1") == 3
    assert store.stream_version("missing") == 0


def test_read_back_event_carries_every_field(store: EventStore) -> None:
    new = NewEvent("Noted", {"title": "Hội đàm Việt Nam – Lào", "n": 1.5}, {"correlation": "c1"})
    [position] = store.append("a-1", [new])
    stored = store.get(position)
    assert stored is not None
    assert stored.event_id == new.event_id
    assert stored.type == "Noted"
    assert stored.schema_version == 1
    assert stored.data == {"title": "Hội đàm Việt Nam – Lào", "n": 1.5}
    assert stored.metadata == {"correlation": "c1"}
    assert stored.recorded_at.tzinfo == UTC
    assert len(stored.hash) == 64


def test_an_event_id_already_stored_returns_its_position_and_appends_nothing(
    store: EventStore,
) -> None:
    first = event(n=1)
    assert store.append("a-1", [first]) == [1]
    assert store.append("a-1", [first]) == [1]
    assert store.append("a-1", [first, event(n=2)]) == [1, 2]
    assert store.head() == 2


def test_expected_version_conflict_raises_and_stores_nothing(store: EventStore) -> None:
    store.append("a-1", [event()], expected_version=0)
    with pytest.raises(ConcurrencyError) as raised:
        store.append("a-1", [event(), event()], expected_version=0)
    assert raised.value.actual == 1
    assert store.head() == 1
    store.append("a-1", [event()], expected_version=1)
    assert store.head() == 2


def test_a_claimed_key_rejects_the_whole_multi_stream_append(store: EventStore) -> None:
    store.append("article-1", [NewEvent("Ingested", {}, keys=("content:abc",))])
    with pytest.raises(DuplicateKeyError) as raised:
        store.append_many(
            [
                StreamAppend("source-x", [event(), event()]),
                StreamAppend("article-2", [NewEvent("Ingested", {}, keys=("content:abc",))]),
            ]
        )
    assert raised.value.key == "content:abc"
    assert raised.value.position == 1
    assert store.head() == 1
    assert store.read_stream("source-x") == []


def test_claimed_reports_keys_and_their_events(store: EventStore) -> None:
    store.append("a", [NewEvent("X", {}, keys=("k1", "k2"))])
    store.append("b", [NewEvent("X", {}, keys=("k3",))])
    assert store.claimed(["k1", "k3", "k9"]) == {"k1": 1, "k3": 2}


def test_the_same_key_twice_in_one_append_is_refused(store: EventStore) -> None:
    with pytest.raises(StoreError):
        store.append("a", [NewEvent("X", {}, keys=("k",)), NewEvent("X", {}, keys=("k",))])
    assert store.head() == 0


def test_read_all_streams_after_a_position_in_batches_and_filters_by_type(
    store: EventStore,
) -> None:
    for n in range(25):
        store.append(f"s-{n % 3}", [event("Even" if n % 2 == 0 else "Odd", n=n)])
    assert [e.data["n"] for e in store.read_all(after=20, batch_size=2)] == [20, 21, 22, 23, 24]
    assert [len(b) for b in store.read_batches(batch_size=10)] == [10, 10, 5]
    odd = [e.data["n"] for e in store.read_all(types=["Odd"], batch_size=4)]
    assert odd == list(range(1, 25, 2))
    assert [e.position for e in store.read_all(after=3, until=6)] == [4, 5, 6]


def test_an_empty_append_is_a_no_op(store: EventStore) -> None:
    assert store.append("a", []) == []
    assert store.head() == 0


def test_event_ids_are_uuids(store: EventStore) -> None:
    fixed = uuid.UUID("12345678-1234-5678-1234-567812345678")
    store.append("a", [NewEvent("X", {}, event_id=fixed)])
    assert store.read_stream("a")[0].event_id == fixed


def test_default_event_ids_are_version_7_uuids_that_grow_with_time() -> None:
    ids = []
    for _ in range(5):
        ids.append(NewEvent("X", {}).event_id)
        time.sleep(0.002)
    assert {i.version for i in ids} == {7}
    assert {i.variant for i in ids} == {uuid.RFC_4122}
    assert ids == sorted(ids)
    assert len({NewEvent("X", {}).event_id for _ in range(1000)}) == 1000


def test_one_call_may_append_to_the_same_stream_twice(store: EventStore) -> None:
    store.append("a", [event(n=0)])
    positions = store.append_many(
        [
            StreamAppend("a", [event(n=1)]),
            StreamAppend("b", [event()]),
            StreamAppend("a", [event(n=2)]),
        ]
    )
    assert positions == [[2], [3], [4]]
    assert [e.stream_version for e in store.read_stream("a")] == [1, 2, 3]


def test_replay_reads_each_event_exactly_as_get_does(store: EventStore) -> None:
    """read_batches builds event ids without uuid.UUID's constructor and skips upcasting
    when none is registered: the events must still equal what `get` returns, ids included
    (equal, hashed, printed and pickled alike)."""
    ids = [uuid.uuid4(), uuid.UUID("12345678-1234-5678-1234-567812345678"), uuid.uuid1()]
    events = [NewEvent("X", {"n": n}, {"m": n} if n else {}, event_id=i) for n, i in enumerate(ids)]
    store.append("a", events)
    read = [e for batch in store.read_batches(batch_size=2) for e in batch]
    assert read == [store.get(position) for position in (1, 2, 3)]
    for event, expected in zip(read, ids, strict=True):
        assert event.event_id == expected and hash(event.event_id) == hash(expected)
        assert repr(event.event_id) == repr(expected)
        assert event.event_id.is_safe == uuid.UUID(str(expected)).is_safe
        assert pickle.loads(pickle.dumps(event.event_id)) == expected
