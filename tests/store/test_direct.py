"""The direct append path (store/direct.py) keeps every guarantee of the checked one:
several writers taking turns, each remembering a head the other has moved, still chain a
gapless, verifiable log; a retried or stale append is settled by the checked path; and a
kept connection that died while idle is replaced without losing the append."""

from __future__ import annotations

import multiprocessing
import uuid
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from store import ConcurrencyError, DuplicateKeyError, EventStore, NewEvent, StreamAppend


def test_writers_taking_turns_keep_the_log_gapless_chained_and_versioned(store_url: str) -> None:
    writers = [EventStore.open(store_url) for _ in range(3)]
    expected_versions: dict[str, int] = {}
    try:
        for n in range(30):
            writer = writers[n * 7 % 3]
            stream = f"s-{n % 4}"
            events = [NewEvent("X", {"n": n, "i": i}, keys=(f"k-{n}-{i}",)) for i in range(n % 3)]
            events.append(NewEvent("X", {"n": n}))
            version = expected_versions.get(stream, 0)
            positions = writer.append(stream, events, expected_version=version)
            expected_versions[stream] = version + len(events)
            assert len(positions) == len(events)
        reader = writers[0]
        stored = list(reader.read_all())
        assert [e.position for e in stored] == list(range(1, len(stored) + 1))
        for stream, version in expected_versions.items():
            assert [e.stream_version for e in reader.read_stream(stream)] == list(
                range(1, version + 1)
            )
        assert reader.verify().ok
    finally:
        for writer in writers:
            writer.close()


def test_a_stale_expected_version_fails_even_when_the_writer_remembers_the_stream(
    store_url: str,
) -> None:
    first, second = EventStore.open(store_url), EventStore.open(store_url)
    try:
        first.append("s", [NewEvent("X", {"n": 1})], expected_version=0)
        second.append("s", [NewEvent("X", {"n": 2})], expected_version=1)
        with pytest.raises(ConcurrencyError):
            first.append("s", [NewEvent("X", {"n": 3})], expected_version=1)
        assert first.append("s", [NewEvent("X", {"n": 3})], expected_version=2) == [3]
        assert first.verify().ok
    finally:
        first.close()
        second.close()


def test_a_writer_guessing_a_stream_is_new_is_corrected_by_the_insert(store_url: str) -> None:
    """The writer's head is current but its guess of the stream's version (0: unseen) is
    wrong: the single-event INSERT's version check refuses, and the append lands after."""
    first, second = EventStore.open(store_url), EventStore.open(store_url)
    try:
        first.append("s", [NewEvent("X", {"n": 1})])
        second.append("t", [NewEvent("X", {"n": 2})])  # second now knows the head, not "s"
        assert second.append("s", [NewEvent("X", {"n": 3})]) == [3]
        assert [e.stream_version for e in second.read_stream("s")] == [1, 2]
        assert second.verify().ok
    finally:
        first.close()
        second.close()


def test_retrying_a_stored_append_with_its_expected_version_returns_its_positions(
    store: EventStore,
) -> None:
    events = [NewEvent("X", {"n": i}, keys=(f"key-{i}",)) for i in range(3)]
    assert store.append("s", events, expected_version=0) == [1, 2, 3]
    assert store.append("s", events, expected_version=0) == [1, 2, 3]
    assert store.head() == 3
    with pytest.raises(DuplicateKeyError):
        store.append("t", [NewEvent("X", {}, keys=("key-1",))])
    assert store.append_many([StreamAppend("t", [NewEvent("X", {})], 0)]) == [[4]]
    assert store.verify().ok


@pytest.mark.postgres
def test_an_append_on_a_kept_connection_that_died_is_retried_on_a_new_one(pg_url: str) -> None:
    name = f"nl-direct-{uuid.uuid4().hex[:8]}"
    store = EventStore.open(f"{pg_url}&application_name={name}")
    admin = create_engine(pg_url)
    try:
        assert store.append("s", [NewEvent("X", {"n": 1})]) == [1]
        # What a restarted server does to the connection the writer keeps between appends.
        with admin.begin() as conn:
            killed = conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE application_name = :name"
                ),
                {"name": name},
            ).scalar()
        assert killed
        event = NewEvent("X", {"n": 2})
        assert store.append("s", [event]) == [2]
        assert store.append("s", [event]) == [2]
        assert store.verify().ok
    finally:
        store.close()
        admin.dispose()


def test_a_writer_remembering_the_head_sees_another_writers_append_to_its_stream(
    store_url: str,
) -> None:
    """The first writer's remembered head and version are stale after the second writer's
    append: its next append must chain on the second writer's event, not on its own."""
    first, second = EventStore.open(store_url), EventStore.open(store_url)
    try:
        assert first.append("s", [NewEvent("X", {"n": 1})]) == [1]
        assert first.append("s", [NewEvent("X", {"n": 2})]) == [2]
        assert second.append("s", [NewEvent("X", {"n": 3})]) == [3]
        assert first.append("s", [NewEvent("X", {"n": 4})]) == [4]
        assert [e.stream_version for e in first.read_stream("s")] == [1, 2, 3, 4]
        assert first.verify().ok
    finally:
        first.close()
        second.close()


def _append_in_turns(url: str, writer: int, appends: int) -> None:
    """Single events to streams shared with the other processes, as fast as it can."""
    store = EventStore.open(url)
    for n in range(appends):
        store.append(f"shared-{n % 3}", [NewEvent("X", {"writer": writer, "n": n})])
    store.close()


def test_writer_processes_sharing_streams_keep_the_chain_and_versions(store_url: str) -> None:
    """Each process's writer remembers the head it left; the others' commits in between
    must be noticed every time (gapless positions, contiguous versions, intact chain)."""
    EventStore.open(store_url).close()  # the schema, before the writers race to create it
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_append_in_turns, args=(store_url, w, 60)) for w in range(3)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
        assert process.exitcode == 0
    store = EventStore.open(store_url)
    try:
        events = list(store.read_all())
        assert [e.position for e in events] == list(range(1, 181))
        for stream in ("shared-0", "shared-1", "shared-2"):
            versions = [e.stream_version for e in store.read_stream(stream)]
            assert versions == list(range(1, len(versions) + 1))
        assert store.verify().ok
    finally:
        store.close()


def test_a_writers_own_appends_of_every_shape_go_in_without_the_checked_path(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After each shape of append (one event, a batch, several streams, keys, expected
    versions) the head and versions the writer remembers are the log's: its next append
    goes in directly, never refused by the database and redone on the checked path."""
    import store.eventstore as eventstore

    redone: list[int] = []
    checked = eventstore.append_locked

    def counted(*args: Any, **kwargs: Any) -> list[list[int]]:
        redone.append(1)
        return checked(*args, **kwargs)

    monkeypatch.setattr(eventstore, "append_locked", counted)
    store = EventStore.open(store_url)
    try:
        assert store.append("a", [NewEvent("X", {"n": 0})]) == [1]
        assert store.append("a", [NewEvent("X", {"n": n}) for n in (1, 2, 3)]) == [2, 3, 4]
        assert store.append("b", [NewEvent("X", {"n": 4})]) == [5]
        both = [
            StreamAppend("a", [NewEvent("X", {}), NewEvent("X", {})]),
            StreamAppend("c", [NewEvent("X", {})]),
        ]
        assert store.append_many(both) == [[6, 7], [8]]
        assert store.append("a", [NewEvent("X", {}, keys=("k",))], expected_version=6) == [9]
        assert store.append("c", [NewEvent("X", {}), NewEvent("X", {})], expected_version=1) == [
            10,
            11,
        ]
        assert store.append("b", [NewEvent("X", {})]) == [12]
        assert redone == []
        assert store.verify().ok
    finally:
        store.close()


def test_single_appends_on_their_short_path_keep_keys_ids_metadata_and_the_chain(
    store_url: str,
) -> None:
    """One event to one stream takes its own short path (PostgreSQL: `newsledger_append_one`,
    one round trip; SQLite: one row, no chain of dicts): its keys are claimed, its
    metadata stored, a repeated key or id is settled by the checked path as before, and
    the chain verifies."""
    store = EventStore.open(store_url)
    try:
        assert store.append("s", [NewEvent("X", {"n": 0})]) == [1]  # learns the head
        event = NewEvent("X", {"n": 1, "t": "Hà Nội"}, {"by": "test"}, keys=("a", "b"))
        assert store.append("s", [event]) == [2]
        assert store.append("s", [event]) == [2]
        assert store.claimed(["a", "b"]) == {"a": 2, "b": 2}
        with pytest.raises(DuplicateKeyError):
            store.append("t", [NewEvent("X", {}, keys=("b",))])
        with pytest.raises(ConcurrencyError):
            store.append("s", [NewEvent("X", {})], expected_version=1)
        assert store.append("s", [NewEvent("X", {"n": 2})], expected_version=2) == [3]
        stored = store.read_stream("s")
        assert [e.stream_version for e in stored] == [1, 2, 3]
        assert (stored[1].data, stored[1].metadata) == ({"n": 1, "t": "Hà Nội"}, {"by": "test"})
        assert store.verify().ok
    finally:
        store.close()


@pytest.mark.postgres
def test_a_schema_without_the_one_statement_append_keeps_the_pipelined_path(pg_url: str) -> None:
    store = EventStore.open(pg_url)
    with store.engine.begin() as conn:
        conn.execute(text("DROP FUNCTION newsledger_append_one"))
    try:
        assert store.append("s", [NewEvent("X", {"n": 1})]) == [1]
        assert store.append("s", [NewEvent("X", {"n": 2}, keys=("k", "j"))]) == [2]
        assert store.append("s", [NewEvent("X", {"n": 3})]) == [3]
        assert store.claimed(["k", "j"]) == {"k": 2, "j": 2}
        assert store.verify().ok
    finally:
        store.close()


def _batch(prefix: str, count: int, *, keyed: bool = False) -> list[NewEvent]:
    return [
        NewEvent("X", {"p": prefix, "i": i}, keys=(f"{prefix}-{i}",) if keyed else ())
        for i in range(count)
    ]


def test_an_append_sent_in_pieces_keeps_positions_versions_keys_and_the_chain(
    store_url: str,
) -> None:
    """Three streams, 131 events with keys: more than one piece of rows in flight on
    PostgreSQL, each chained on the one before; the result is one gapless, verifiable
    transaction whichever writer moved the head in between."""
    first, second = EventStore.open(store_url), EventStore.open(store_url)
    try:
        assert first.append("a", _batch("a0", 1)) == [1]  # first now remembers the head
        assert second.append("b", _batch("b0", 2)) == [2, 3]  # ... which second moves
        appends = [
            StreamAppend("a", _batch("a1", 60, keyed=True), None),
            StreamAppend("b", _batch("b1", 1, keyed=True), 2),
            StreamAppend("c", _batch("c1", 70, keyed=True), 0),
        ]
        assert first.append_many(appends) == [
            list(range(4, 64)),
            [64],
            list(range(65, 135)),
        ]
        assert [e.stream_version for e in first.read_stream("a")] == list(range(1, 62))
        assert [e.stream_version for e in first.read_stream("c")] == list(range(1, 71))
        assert first.claimed(["a1-59", "b1-0", "c1-69"]) == {"a1-59": 63, "b1-0": 64, "c1-69": 134}
        assert [e.position for e in first.read_all()] == list(range(1, 135))
        # The writer's remembered head is the batch's last row: the next append chains on it.
        assert first.append("c", _batch("c2", 40)) == list(range(135, 175))
        assert first.verify().ok
    finally:
        first.close()
        second.close()


def test_a_refusal_in_a_later_piece_stores_nothing_of_the_pieces_before(store_url: str) -> None:
    """A key already claimed, or a stream behind its expected version, found after
    earlier pieces were sent: the whole append is refused and the log stays as it was."""
    store = EventStore.open(store_url)
    try:
        store.append("x", [NewEvent("X", {}, keys=("taken",))])
        events = _batch("big", 80)
        events[77] = NewEvent("X", {"late": True}, keys=("taken",))
        with pytest.raises(DuplicateKeyError):
            store.append("s", events)
        with pytest.raises(ConcurrencyError):
            store.append_many(
                [StreamAppend("s", _batch("ok", 60), 0), StreamAppend("x", _batch("y", 1), 5)]
            )
        assert store.head() == 1
        assert list(store.read_stream("s")) == []
        assert store.append("s", _batch("after", 30)) == list(range(2, 32))
        assert store.verify().ok
    finally:
        store.close()


def test_a_stored_event_id_in_a_later_piece_keeps_its_position_and_stores_the_rest(
    store_url: str,
) -> None:
    """An event already in the log (a retried write) among 70 new ones: the unique index
    refuses the piece that carries it, and the append is redone on the checked path,
    which returns the stored position for it and appends the others once."""
    store = EventStore.open(store_url)
    try:
        stored = NewEvent("X", {"first": True})
        assert store.append("s", [stored]) == [1]
        events = _batch("n", 70)
        events.insert(60, stored)
        positions = store.append("s", events)
        assert positions[60] == 1
        assert positions[:60] + positions[61:] == list(range(2, 72))
        assert store.head() == 71
        assert [e.stream_version for e in store.read_stream("s")] == list(range(1, 72))
        assert store.verify().ok
    finally:
        store.close()


def test_a_stale_version_of_a_later_stream_stores_nothing_of_the_streams_before(
    store_url: str,
) -> None:
    """The writer knows the head, not stream "b", which another writer has moved to
    version 3: an append of 60 events to "a" then one to "b" expecting version 5 must fail
    whole. No unique index refuses "b"'s row (version 6 is free): only the first piece's
    check of every stream of the append stops "a"'s pieces from going in before it, and
    a gap in "b"'s versions from being committed."""
    first, second = EventStore.open(store_url), EventStore.open(store_url)
    try:
        second.append("b", _batch("b0", 3))
        assert first.append("a", _batch("a0", 1)) == [4]  # the head, not "b"'s version
        with pytest.raises(ConcurrencyError):
            first.append_many(
                [StreamAppend("a", _batch("a1", 60), None), StreamAppend("b", _batch("b", 1), 5)]
            )
        assert first.head() == 4
        assert first.append_many(
            [StreamAppend("a", _batch("a2", 60), None), StreamAppend("b", _batch("b1", 1), None)]
        ) == [list(range(5, 65)), [65]]
        assert [e.stream_version for e in first.read_stream("b")] == [1, 2, 3, 4]
        assert first.verify().ok
    finally:
        first.close()
        second.close()
