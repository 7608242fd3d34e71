"""Reading the log in position order on the driver's own cursor, and turning rows into
`RecordedEvent`s: replay reads every event, and SQLAlchemy's per-row work cost as much as
decoding the JSON (see the README's store benchmark)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Engine

from store.errors import translated
from store.events import RecordedEvent, parse_time
from store.upcasting import Upcasters

COLUMNS = (
    '"position", event_id, stream_id, stream_version, "type", schema_version, data,'
    ' metadata, recorded_at, "hash"'
)
# SQLite reads `data` as the stored UTF-8 bytes: its driver's own decoding of a ~5 KB text
# cost more than `bytes.decode` (replay on SQLite: 3 µs an event less, README).
_SQLITE_COLUMNS = COLUMNS.replace(" data,", " CAST(data AS BLOB),")


def select_sql(*, postgres: bool, until: bool, types: int) -> str:
    """The batch query: events after a position (up to another), of some types, in order."""
    mark = "%s" if postgres else "?"
    columns = COLUMNS if postgres else _SQLITE_COLUMNS
    sql = f'SELECT {columns} FROM events WHERE "position" > {mark}'
    if until:
        sql += f' AND "position" <= {mark}'
    if types:
        sql += f' AND "type" IN ({", ".join(mark for _ in range(types))})'
    return sql + f' ORDER BY "position" LIMIT {mark}'


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
    upcast = upcasters.upcast if upcasters else None
    times: dict[str, Any] = {}
    events = []
    for position, event_id, stream, version, kind, schema, data, meta, recorded, digest in rows:
        if data.__class__ is bytes:
            data = data.decode()
        payload = _loads(data)
        if upcast is not None:
            schema, payload = upcast(kind, schema, payload)
        moment = times.get(recorded)
        if moment is None:
            moment = times[recorded] = parse_time(recorded)
        metadata = {} if meta == "{}" else _loads(meta)
        events.append(
            RecordedEvent(
                position, _uuid(event_id), stream, version, kind, schema, payload,
                metadata, moment, digest,
            )
        )  # fmt: skip
    return events


_new = object.__new__
_set = object.__setattr__
_UNKNOWN = uuid.SafeUUID.unknown


def _uuid(text: str) -> uuid.UUID:
    """`uuid.UUID(text)`, for replay: its constructor in Python cost 1.5 µs, the most of any
    field. For 32 digits in 36 characters it computes `int(digits, 16)` and nothing else;
    that is done here and set directly. Anything else goes to the constructor."""
    digits = text.replace("-", "")
    if len(digits) == 32 and len(text) == 36:
        try:
            value = int(digits, 16)
        except ValueError:
            return uuid.UUID(text)  # raises its own error
        made: uuid.UUID = _new(uuid.UUID)
        _set(made, "int", value)
        _set(made, "is_safe", _UNKNOWN)
        return made
    return uuid.UUID(text)


_scan: Any = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _loads(text: str) -> Any:
    """`json.loads` for the log's canonical JSON: the C scanner called directly, without
    the two whitespace matches around it (stored text has none); anything else goes
    through `json.loads`, which also raises its usual errors."""
    try:
        value, end = _scan(text, 0)
    except StopIteration:
        return json.loads(text)
    return value if end == len(text) else json.loads(text)
