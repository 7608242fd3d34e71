"""Reading the log back: stored documents decode to the standard library's values, and
`read_all` hands over the events `read_batches` does, decoding each only when reached."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings

from store import EventStore, NewEvent, Upcasters
from store.canonical import canonical_bytes
from store.reads import _loads
from tests.support.json_values import json_values


def _same(a: Any, b: Any) -> bool:
    """Equal values of equal types all the way down (1 and 1.0 and True differ)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b) and (not isinstance(a, float) or math.copysign(1, a) == math.copysign(1, b))


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_a_stored_document_decodes_to_the_standard_librarys_value(value: Any) -> None:
    try:
        stored = canonical_bytes(value)
    except UnicodeEncodeError:  # a lone surrogate is never stored
        return
    expected = json.loads(stored)
    assert _same(_loads(stored), expected)
    assert _same(_loads(stored.decode("utf-8")), expected)


@pytest.mark.parametrize(
    "stored",
    [b"NaN", b"[Infinity,-Infinity]", b"1e400", b'{"a":NaN}', b'"\\ud800"', b"-0.0", b"2e-324"],
)
def test_values_at_msgspecs_edges_are_read_as_the_standard_library_reads_them(
    stored: bytes,
) -> None:
    # NaN and infinities (the standard library writes them: canonical JSON is its form),
    # a number out of a double's range and an escaped lone surrogate, which msgspec
    # refuses; the sign of zero and the smallest subnormal, which it reads itself.
    assert _same(_loads(stored), json.loads(stored))


@pytest.mark.parametrize("stored", [b"{", b'{"a":1,}', b"01", b"[1] 2", b""])
def test_a_malformed_document_raises_the_standard_librarys_error(stored: bytes) -> None:
    with pytest.raises(json.JSONDecodeError):
        _loads(stored)


def test_a_document_that_is_not_utf8_raises_a_decode_error() -> None:
    with pytest.raises(UnicodeDecodeError):
        _loads(b'"\xe9"')


def test_read_all_gives_the_events_read_batches_gives(store: EventStore) -> None:
    values: list[Any] = [{"t": "Hội đàm Việt Nam – Lào", "n": 476.8}, [1, None, True], "x", 2**70]
    for n, value in enumerate(values):
        store.append(f"s{n % 2}", [NewEvent("Noted", value, metadata={"m": n})])
    one_by_one = list(store.read_all(batch_size=3))
    paged = [event for batch in store.read_batches(batch_size=3) for event in batch]
    assert one_by_one == paged
    assert [e.data for e in one_by_one] == values
    assert [e.metadata for e in one_by_one] == [{"m": n} for n in range(len(values))]
    assert all(type(e.event_id.int) is int and e.event_id.version == 7 for e in one_by_one)
    assert str(one_by_one[0].event_id) == str(store.get(1).event_id)  # type: ignore[union-attr]
    # A stream read alone: the same events, through the same decoding.
    assert store.read_stream("s1") == [e for e in one_by_one if e.stream_id == "s1"]
    assert store.read_stream("s0", after_version=1) == [one_by_one[2]]


def test_read_all_decodes_an_event_only_when_the_reader_reaches_it(store_url: str) -> None:
    writer = EventStore.open(store_url)
    writer.append("a", [NewEvent("Noted", {"n": n}) for n in range(5)])
    writer.close()
    decoded: list[int] = []

    def upcast(data: dict[str, Any]) -> dict[str, Any]:
        decoded.append(data["n"])
        return data

    upcasters = Upcasters()
    upcasters.register("Noted", 1, upcast)
    reader = EventStore.open(store_url, upcasters=upcasters)
    events = reader.read_all(batch_size=1000)
    first = next(events)
    # One page of five rows was fetched; only the first was decoded.
    assert first.data == {"n": 0} and decoded == [0]
    assert [e.data["n"] for e in events] == [1, 2, 3, 4] and decoded == [0, 1, 2, 3, 4]
    reader.close()


def test_events_at_reads_the_events_at_those_positions_upcast_and_leaves_out_the_missing(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("store.reads._AT_ONCE", 3)  # positions asked span several statements
    writer = EventStore.open(store_url)
    writer.append("a", [NewEvent("Noted", {"n": n}, schema_version=1) for n in range(1203)])
    writer.close()
    upcasters = Upcasters()
    upcasters.register("Noted", 1, lambda data: {**data, "v": 2})
    reader = EventStore.open(store_url, upcasters=upcasters)
    wanted = [1203, 7, 501, 502, 7, 1, 1000, 99_999]
    found = reader.events_at(wanted)
    assert sorted(found) == [1, 7, 501, 502, 1000, 1203]  # no event at 99,999: left out
    assert all(e.data == {"n": p - 1, "v": 2} and e.schema_version == 2 for p, e in found.items())
    assert found[501] == reader.get(501)
    # Inside a caller's transaction, on its connection: what a projection does.
    with reader.engine.connect() as conn, conn.begin():
        assert reader.events_at(range(1, 1204), conn=conn) == {
            e.position: e for e in reader.read_all()
        }
    assert reader.events_at([]) == {}
    reader.close()


def test_a_typed_read_gives_the_events_of_those_types_in_log_order_batch_by_batch(
    store: EventStore,
) -> None:
    # Three types interleaved unevenly, so a batch's positions are neither contiguous nor
    # evenly spread; read in batches that end mid-run, from a position and up to another.
    kinds = ["Ingested", "Sighted", "Ingested", "Other", "Revised", "Ingested", "Sighted"]
    store.append("a", [NewEvent(kinds[n % 7], {"n": n}) for n in range(200)])
    everything = list(store.read_all())
    wanted = {"Ingested", "Revised", "Sighted"}
    for after, until in [(0, None), (13, None), (13, 150), (0, 1)]:
        batches = list(store.read_batches(after=after, types=wanted, batch_size=9, until=until))
        expected = [
            e
            for e in everything
            if e.type in wanted and e.position > after and (until is None or e.position <= until)
        ]
        assert [e for batch in batches for e in batch] == expected
        assert all(len(batch) == 9 for batch in batches[:-1])
    assert list(store.read_batches(types={"Other"}, batch_size=5)) == [
        [e for e in everything if e.type == "Other"][i : i + 5] for i in range(0, 28, 5)
    ]


def test_a_typed_read_on_sqlite_sorts_positions_not_whole_rows(tmp_path: Any) -> None:
    # Asked for rows of several types in position order, SQLite scanned the type index
    # once per type and sorted the whole rows, documents included, in a temporary B-tree:
    # four times the cost of an untyped read (README). Only the subquery of positions may
    # sort; the rows are read by position, in order.
    import sqlite3

    from store.reads import select_sql

    store = EventStore.open(f"sqlite:///{tmp_path / 'log.db'}")
    store.append("a", [NewEvent("A", {"n": 1}), NewEvent("B", {"n": 2})])
    store.close()
    conn = sqlite3.connect(tmp_path / "log.db")
    for until in (False, True):
        sql = select_sql(postgres=False, until=until, types=2)
        params = [0, *([9] if until else []), "A", "B", 10]
        plan = conn.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
        assert not [row for row in plan if row[1] == 0 and "TEMP B-TREE" in row[3]], plan
        assert [r[0] for r in conn.execute(sql, params)] == [1, 2]
    conn.close()
