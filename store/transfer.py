"""Export the log as JSON Lines and import it into an empty store, verifying the chain."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import func, insert, select

from store import schema
from store.chain import expected_hash, raw_rows
from store.errors import ImportRefusedError
from store.events import GENESIS_HASH, canonical_json, parse_time, record_to_json
from store.eventstore import EventStore
from store.sql import write_transaction

_FIELDS: dict[str, type | tuple[type, ...]] = {
    "position": int,
    "event_id": str,
    "stream_id": str,
    "stream_version": int,
    "type": str,
    "schema_version": int,
    "data": str,
    "metadata": str,
    "recorded_at": str,
    "hash": str,
    "keys": list,
}
_BATCH = 1000


def export_lines(store: EventStore) -> Iterator[str]:
    """One canonical JSON line per event, in position order (newline not included)."""
    for row in raw_rows(store.engine):
        yield record_to_json(row)


def import_lines(store: EventStore, lines: Iterable[str], *, name: str = "<input>") -> int:
    """Load an exported log into an empty store in one transaction; returns events loaded.

    Refuses a non-empty store, a malformed or truncated line, and a broken chain: on any
    refusal nothing is written.
    """
    events, keys = schema.events, schema.event_keys
    with write_transaction(store.engine, append_lock=True) as conn:
        if conn.execute(select(func.count()).select_from(events)).scalar():
            raise ImportRefusedError("the store is not empty: import only into a new database")
        previous = GENESIS_HASH
        count = 0
        rows: list[dict[str, Any]] = []
        key_rows: list[dict[str, Any]] = []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            row = _parse_line(line, name=name, number=number)
            count += 1
            if row["position"] != count:
                raise ImportRefusedError(
                    f"{name}: line {number}: position {row['position']}, expected {count}"
                )
            if expected_hash(previous, row) != row["hash"]:
                raise ImportRefusedError(
                    f"{name}: line {number}: hash chain broken at position {row['position']}"
                )
            previous = row["hash"]
            key_rows.extend({"key": k, "position": row["position"]} for k in row.pop("keys"))
            rows.append(row)
            if len(rows) >= _BATCH:
                conn.execute(insert(events), rows)
                rows = []
        if rows:
            conn.execute(insert(events), rows)
        for start in range(0, len(key_rows), _BATCH):
            conn.execute(insert(keys), key_rows[start : start + _BATCH])
    return count


def _parse_line(line: str, *, name: str, number: int) -> dict[str, Any]:
    where = f"{name}: line {number}"
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ImportRefusedError(f"{where}: not a JSON object ({exc.msg}); truncated?") from None
    if not isinstance(row, dict):
        raise ImportRefusedError(f"{where}: not a JSON object")
    for field, kind in _FIELDS.items():
        if not isinstance(row.get(field), kind) or isinstance(row.get(field), bool):
            raise ImportRefusedError(f"{where}: field {field!r} missing or of the wrong type")
    if set(row) != set(_FIELDS):
        extra = ", ".join(sorted(set(row) - set(_FIELDS)))
        raise ImportRefusedError(f"{where}: unexpected fields {extra}")
    for field in ("data", "metadata"):
        try:
            value = json.loads(row[field])
        except json.JSONDecodeError:
            raise ImportRefusedError(f"{where}: {field} is not JSON text") from None
        if canonical_json(value) != row[field]:
            raise ImportRefusedError(f"{where}: {field} is not in canonical form")
    try:
        parse_time(row["recorded_at"])
    except ValueError:
        raise ImportRefusedError(f"{where}: recorded_at is not a log timestamp") from None
    if not all(isinstance(k, str) for k in row["keys"]):
        raise ImportRefusedError(f"{where}: keys must be strings")
    return row
