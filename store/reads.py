"""Reading the log in position order on the driver's own cursor, and turning rows into
`RecordedEvent`s: replay reads every event, and SQLAlchemy's per-row work cost as much as
decoding the JSON (see the README's store benchmark)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import fields
from typing import Any

import msgspec
from sqlalchemy import Connection, Engine

from store.errors import translated
from store.events import RecordedEvent, parse_time, uuid_from_int
from store.upcasting import Upcasters

COLUMNS = (
    '"position", event_id, stream_id, stream_version, "type", schema_version, data,'
    ' metadata, recorded_at, "hash"'
)
# SQLite reads `data` as the stored UTF-8 bytes: its driver's own decoding of a ~5 KB text
# cost more than `bytes.decode` (replay on SQLite: 3 µs an event less, README).
_SQLITE_COLUMNS = COLUMNS.replace(" data,", " CAST(data AS BLOB),")


#: Positions per statement of `rows_at` (SQLite's default limit of bound values is 999 on
#: older builds).
_AT_ONCE = 500


def _dialect(postgres: bool) -> tuple[str, str]:
    """A statement's parameter mark and the columns it selects, on one database or the other."""
    return ("%s", COLUMNS) if postgres else ("?", _SQLITE_COLUMNS)


def select_sql(*, postgres: bool, until: bool, types: int) -> str:
    """The batch query: events after a position (up to another), of some types, in order.

    SQLite, with types: the batch's positions are found first, in the type index alone,
    and its rows are then read by position. Asked for the rows directly, SQLite scanned the
    index once per type and sorted the whole rows (each ~6 KB document copied into a
    temporary B-tree and out again) to merge them in position order: 24-28 ms a batch of
    1,000 articles against 6-7 ms untyped, 7 % of the stories view's catch-up (README, "The
    event log"). Sorting the positions alone costs next to nothing, and the rows then
    come in rowid order. One statement: one snapshot of the log."""
    mark, columns = _dialect(postgres)
    where = f'"position" > {mark}'
    if until:
        where += f' AND "position" <= {mark}'
    if types:
        where += f' AND "type" IN ({", ".join(mark for _ in range(types))})'
    if types and not postgres:
        batch = f'SELECT "position" FROM events WHERE {where} ORDER BY "position" LIMIT {mark}'
        return f'SELECT {columns} FROM events WHERE "position" IN ({batch}) ORDER BY "position"'
    return f'SELECT {columns} FROM events WHERE {where} ORDER BY "position" LIMIT {mark}'


def rows_at(conn: Connection, positions: Sequence[int]) -> list[tuple[Any, ...]]:
    """The stored rows (columns as in `COLUMNS`) at `positions` that exist, in log order,
    read on `conn` (inside its transaction), 500 positions a statement."""
    postgres = conn.dialect.name == "postgresql"
    _, columns = _dialect(postgres)
    wanted = sorted(set(positions))
    rows: list[tuple[Any, ...]] = []
    for start in range(0, len(wanted), _AT_ONCE):
        chunk = wanted[start : start + _AT_ONCE]
        params: tuple[Any, ...]
        if postgres:  # one array parameter: one statement, prepared once, whatever the length
            where, params = '"position" = ANY(%s)', (chunk,)
        else:
            where, params = f'"position" IN ({", ".join("?" for _ in chunk)})', tuple(chunk)
        sql = f'SELECT {columns} FROM events WHERE {where} ORDER BY "position"'
        rows.extend(tuple(r) for r in conn.exec_driver_sql(sql, params))
    return rows


def stream_rows(conn: Connection, stream_id: str, after_version: int) -> list[tuple[Any, ...]]:
    """The stored rows (columns as in `COLUMNS`) of one stream after a version, in order."""
    mark, columns = _dialect(conn.dialect.name == "postgresql")
    sql = (
        f"SELECT {columns} FROM events"
        f" WHERE stream_id = {mark} AND stream_version > {mark} ORDER BY stream_version"
    )
    return [tuple(r) for r in conn.exec_driver_sql(sql, (stream_id, after_version))]


def row_batches(
    engine: Engine,
    *,
    after: int,
    types: Iterable[str] | None,
    batch_size: int,
    until: int | None,
) -> Iterator[list[tuple[Any, ...]]]:
    """Stored rows (columns as in `COLUMNS`) after `after`, in lists of `batch_size`."""
    wanted = sorted(set(types)) if types is not None else []
    postgres = engine.dialect.name == "postgresql"
    sql = select_sql(postgres=postgres, until=until is not None, types=len(wanted))
    if types is not None and not wanted:
        return
    cursor = after
    while True:
        params: list[Any] = [cursor]
        if until is not None:
            params.append(until)
        params.extend(wanted)
        params.append(batch_size)
        with translated(engine):
            pooled = engine.raw_connection()
            try:
                driver: Any = pooled.driver_connection
                if postgres:
                    with driver.cursor() as cur:
                        rows = cur.execute(sql, params, prepare=True).fetchall()
                else:
                    rows = driver.execute(sql, params).fetchall()
            finally:
                pooled.close()
        if not rows:
            return
        yield rows
        cursor = rows[-1][0]
        if len(rows) < batch_size:
            return


def to_events(rows: list[tuple[Any, ...]], upcasters: Upcasters) -> list[RecordedEvent]:
    """Rows as events, upcast; JSON decoded, times parsed (once per distinct time)."""
    return list(iter_events(rows, upcasters))


def iter_events(rows: Iterable[tuple[Any, ...]], upcasters: Upcasters) -> Iterator[RecordedEvent]:
    """`to_events`, one event at a time: a reader that handles each event and drops it
    keeps one decoded document in the CPU's caches, not a page of a thousand (~10 MB of
    text). Reading the log back on SQLite, against the peer's one-at-a-time loop: 1.15-1.29
    one by one, 1.10-1.18 as pages against the peer holding pages (README, store benchmark).

    The event and its id are made without their constructors, each field set directly
    (as a frozen dataclass's `__init__` does, through `object.__setattr__`): with a tiny
    document, 2.3-2.4 µs an event became 1.5 (timeit, old and new in one process), of a
    ~22 µs event of the benchmark's; replay does this for every event of the log."""
    upcast = upcasters.upcast if upcasters else None
    times: dict[str, Any] = {}
    (put_position, put_id, put_stream, put_version, put_type, put_schema, put_data,
     put_metadata, put_recorded, put_hash) = _EVENT_FIELDS  # fmt: skip
    for position, event_id, stream, version, kind, schema, data, meta, recorded, digest in rows:
        payload = _loads(data)
        if upcast is not None:
            schema, payload = upcast(kind, schema, payload)
        moment = times.get(recorded)
        if moment is None:
            moment = times[recorded] = parse_time(recorded)
        # `uuid.UUID(event_id)` does this for 32 digits in 36 characters and nothing else,
        # in Python; any other text goes to it, and so does one that is not hexadecimal.
        digits = event_id.replace("-", "")
        if len(digits) == 32 and len(event_id) == 36:
            try:
                value = int(digits, 16)
            except ValueError:
                value = uuid.UUID(event_id).int  # raises its own error
            made = uuid_from_int(value)
        else:
            made = uuid.UUID(event_id)
        event = _new(RecordedEvent)
        put_position(event, position)
        put_id(event, made)
        put_stream(event, stream)
        put_version(event, version)
        put_type(event, kind)
        put_schema(event, schema)
        put_data(event, payload)
        put_metadata(event, {} if meta == "{}" else _loads(meta))
        put_recorded(event, moment)
        put_hash(event, digest)
        yield event


_new = object.__new__
# The slot setters of a frozen dataclass's fields (what its `__init__` calls through
# `object.__setattr__`), in field order.
_EVENT_FIELDS = tuple(getattr(RecordedEvent, f.name).__set__ for f in fields(RecordedEvent))


_decode = msgspec.json.Decoder().decode
_scan: Any = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _loads(stored: str | bytes) -> Any:
    """`json.loads` of a stored document: UTF-8 bytes (SQLite) by msgspec, text (what
    PostgreSQL's driver hands over) by the standard library's C scanner.

    msgspec decodes the UTF-8 straight into the objects, where `bytes.decode` then
    `json.loads` built the whole text first (SQLite replay: README, store benchmark); a
    text it would first encode again, which cost PostgreSQL's replay more than it saved.
    For canonical JSON msgspec's objects equal the standard library's
    (tests/store/test_reads.py); what it refuses and the standard library reads (NaN,
    1e400, an escaped lone surrogate) or refuses with its own error goes through
    `json.loads`."""
    if stored.__class__ is bytes:
        try:
            return _decode(stored)
        except msgspec.MsgspecError:
            # Bytes that are not UTF-8 raise UnicodeDecodeError here, as they always did.
            stored = stored.decode()
    # The C scanner called directly, without the two whitespace matches around it
    # (stored text has none); anything else goes through `json.loads`, which also raises
    # its usual errors.
    try:
        value, end = _scan(stored, 0)
    except StopIteration:
        return json.loads(stored)
    return value if end == len(stored) else json.loads(stored)
