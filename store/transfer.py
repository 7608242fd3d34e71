"""Export the log as JSON Lines and import it into an empty store, verifying the chain.

An import file is untrusted: every line is checked (store/import_checks.py) and the first
bad line refuses the whole file with `<file>: line N: what is wrong`, writing nothing.
Duplicates are looked up batch by batch in what was already loaded, so memory stays flat
for any file size.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Connection, func, insert, select

from store import schema
from store.chain import expected_hash, raw_rows
from store.errors import ImportRefusedError
from store.events import GENESIS_HASH, record_to_json
from store.eventstore import EventStore
from store.import_checks import DataCheck, LineError, parse_line
from store.sql import lookup, write_transaction

_BATCH = 1000
_events, _keys = schema.events, schema.event_keys


def export_lines(store: EventStore) -> Iterator[str]:
    """One canonical JSON line per event, in position order (newline not included)."""
    for row in raw_rows(store.engine):
        yield record_to_json(row)


def import_lines(
    store: EventStore,
    lines: Iterable[str],
    *,
    check: DataCheck | None = None,
) -> int:
    """Load an exported log into an empty store in one transaction; returns events loaded.

    Refuses a non-empty store, a malformed, out-of-range or truncated line, data that
    `check` refuses, a duplicate event id, key or stream version, and a broken chain: on
    any refusal nothing is written.
    """
    with write_transaction(store.engine, append_lock=True) as conn:
        if conn.execute(select(func.count()).select_from(_events)).scalar():
            raise ImportRefusedError("the store is not empty: import only into a new database")
        previous = GENESIS_HASH
        count = 0
        batch: list[tuple[int, dict[str, Any]]] = []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"line {number}"
            try:
                row = parse_line(line, check=check)
            except LineError as exc:
                raise ImportRefusedError(f"{where}: {exc}") from None
            count += 1
            if row["position"] != count:
                raise ImportRefusedError(f"{where}: position {row['position']}, expected {count}")
            if expected_hash(previous, row) != row["hash"]:
                raise ImportRefusedError(
                    f"{where}: hash chain broken at position {row['position']}"
                )
            previous = row["hash"]
            batch.append((number, row))
            if len(batch) >= _BATCH:
                _load(conn, batch)
                batch = []
        _load(conn, batch)
    return count


def _load(conn: Connection, batch: list[tuple[int, dict[str, Any]]]) -> None:
    """Insert one batch after checking it against itself and everything loaded before it."""
    if not batch:
        return
    _refuse_duplicates(conn, batch)
    key_rows = [
        {"key": key, "position": row["position"]} for _, row in batch for key in row["keys"]
    ]
    conn.execute(
        insert(_events), [{k: v for k, v in row.items() if k != "keys"} for _, row in batch]
    )
    if key_rows:
        conn.execute(insert(_keys), key_rows)


def _refuse_duplicates(conn: Connection, batch: list[tuple[int, dict[str, Any]]]) -> None:
    ids = lookup(conn, _events.c.event_id, _events.c.position, [r["event_id"] for _, r in batch])
    keys = lookup(conn, _keys.c.key, _keys.c.position, [k for _, r in batch for k in r["keys"]])
    streams = sorted({r["stream_id"] for _, r in batch})
    versions: dict[str, int] = {}
    for start in range(0, len(streams), 500):
        query = (
            select(_events.c.stream_id, func.max(_events.c.stream_version))
            .where(_events.c.stream_id.in_(streams[start : start + 500]))
            .group_by(_events.c.stream_id)
        )
        versions.update({stream: int(version) for stream, version in conn.execute(query)})
    for number, row in batch:
        where = f"line {number}"
        if row["event_id"] in ids:
            raise ImportRefusedError(
                f"{where}: event_id {row['event_id']} repeats the event at position "
                f"{ids[row['event_id']]}"
            )
        ids[row["event_id"]] = row["position"]
        for key in row["keys"]:
            if key in keys:
                raise ImportRefusedError(
                    f"{where}: key {key[:80]!r} is already claimed at position {keys[key]}"
                )
            keys[key] = row["position"]
        stream, version = row["stream_id"], row["stream_version"]
        expected = versions.get(stream, 0) + 1
        if version != expected:
            raise ImportRefusedError(
                f"{where}: stream {stream[:80]!r} version {version}, expected {expected}"
            )
        versions[stream] = version
