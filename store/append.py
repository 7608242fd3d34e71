"""The append step by step, inside the caller's locked transaction: refuse what cannot be
stored (a repeated event id or key, a claimed key, a stale stream version), then chain
and insert the new rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, func, select

from store import schema
from store.canonical import canonical_bytes
from store.errors import ConcurrencyError, DuplicateKeyError, StoreError
from store.events import GENESIS_HASH, NewEvent, event_hash
from store.sql import chunks, insert_rows, lookup

_events = schema.events
_keys = schema.event_keys

Named = list[list[tuple[str, NewEvent]]]
"""Per append, each event with its id as text."""

Row = tuple[int, str, str, int, str, int, bytes, bytes, str, str]
"""An event's stored columns, named by `ROW_COLUMNS`; the JSON columns as the canonical
JSON's UTF-8 bytes."""
ROW_COLUMNS = (
    "position",
    "event_id",
    "stream_id",
    "stream_version",
    "type",
    "schema_version",
    "data",
    "metadata",
    "recorded_at",
    "hash",
)


@dataclass(frozen=True, slots=True)
class StreamAppend:
    """Events for one stream inside an atomic multi-stream append.

    `expected_version` is the stream's version the writer last saw (0: the stream must
    not exist yet); None appends whatever the version is.
    """

    stream_id: str
    events: Sequence[NewEvent]
    expected_version: int | None = None


def append_locked(
    conn: Connection, appends: Sequence[StreamAppend], *, recorded_at: str
) -> list[list[int]]:
    """Store `appends`; returns each append's positions (stored ids keep their position)."""
    # Each event id as text once: a poll appends thousands of events, and UUID.__str__
    # was called a dozen times per event.
    named: Named = [[(str(e.event_id), e) for e in a.events] for a in appends]
    stored = _stored_ids(conn, named)
    _refuse_claimed_keys(conn, named, stored)
    chain = _Chain.at_head(conn, recorded_at)
    # One grouped query for every stream of the call (a poll appends to hundreds).
    versions = stream_versions(conn, [a.stream_id for a in appends])
    result = []
    for append, events in zip(appends, named, strict=True):
        version = versions.get(append.stream_id, 0)
        fresh = any(eid not in stored for eid, _ in events)
        if fresh and append.expected_version is not None and version != append.expected_version:
            raise ConcurrencyError(append.stream_id, append.expected_version, version)
        positions, versions[append.stream_id] = chain.add(append.stream_id, version, events, stored)
        result.append(positions)
    insert_rows(conn, _events, chain.text_rows())
    insert_rows(conn, _keys, chain.key_rows)
    return result


def stream_versions(conn: Connection, stream_ids: list[str]) -> dict[str, int]:
    """The current version of each stream that exists among `stream_ids`."""
    wanted = sorted(set(stream_ids))
    found: dict[str, int] = {}
    column = _events.c.stream_id
    query = select(column, func.max(_events.c.stream_version)).group_by(column)
    if conn.dialect.name == "postgresql":
        rows = conn.execute(query.where(column == func.any(bindparam("ids"))), {"ids": wanted})
        found.update((stream, int(version)) for stream, version in rows)
        return found
    for chunk in chunks(wanted, 500):
        rows = conn.execute(query.where(column.in_(chunk)))
        found.update((stream, int(version)) for stream, version in rows)
    return found


def claimed_keys(conn: Connection, keys: list[str]) -> dict[str, int]:
    """The keys among `keys` already claimed, with the position of the claiming event."""
    return lookup(conn, _keys.c.key, _keys.c.position, keys)


def _stored_ids(conn: Connection, named: Named) -> dict[str, int]:
    """The positions of the events already stored (a retried append): they are skipped."""
    ids = [eid for events in named for eid, _ in events]
    if len(set(ids)) != len(ids):
        raise StoreError("an append names the same event id twice")
    return lookup(conn, _events.c.event_id, _events.c.position, ids)


def _refuse_claimed_keys(conn: Connection, named: Named, stored: dict[str, int]) -> None:
    new_keys: dict[str, str] = {}
    for events in named:
        for eid, new in events:
            if eid in stored:
                continue
            for key in new.keys:
                if key in new_keys:
                    raise StoreError(f"an append claims key {key!r} twice")
                new_keys[key] = eid
    taken = claimed_keys(conn, list(new_keys)) if new_keys else {}
    if taken:
        key, position = sorted(taken.items())[0]
        raise DuplicateKeyError(key, position)


class _Chain:
    """The rows to insert, each hashed over the one before, from the log's head on.

    The JSON columns are held as the UTF-8 bytes that were hashed; the direct path hands
    them to the driver as they are (`store/direct_sql.py`), others take `text_rows()`.
    """

    def __init__(self, position: int, previous: str, recorded_at: str) -> None:
        self.position = position
        self.previous = previous
        self.recorded_at = recorded_at
        self.rows: list[dict[str, Any]] = []
        self.key_rows: list[dict[str, Any]] = []
        # Writers pass one metadata dict to many events; encode each dict once per call.
        self._metadata_texts: dict[int, bytes] = {}

    @classmethod
    def at_head(cls, conn: Connection, recorded_at: str) -> _Chain:
        head = conn.execute(
            select(_events.c.position, _events.c.hash).order_by(_events.c.position.desc()).limit(1)
        ).first()
        position, previous = (head[0], head[1]) if head else (0, GENESIS_HASH)
        return cls(position, previous, recorded_at)

    def add(
        self,
        stream_id: str,
        version: int,
        events: list[tuple[str, NewEvent]],
        stored: dict[str, int],
    ) -> tuple[list[int], int]:
        """Chain one stream's new events; returns their positions and the stream's version."""
        positions: list[int] = []
        for eid, new in events:
            if (known := stored.get(eid)) is not None:
                positions.append(known)
                continue
            version += 1
            positions.append(self._row(stream_id, version, eid, new))
        return positions, version

    def _row(self, stream_id: str, version: int, eid: str, new: NewEvent) -> int:
        self.position += 1
        # Most events have no metadata, each its own empty dict (so the cache never hits).
        metadata_json = self._metadata_texts.get(id(new.metadata)) if new.metadata else b"{}"
        if metadata_json is None:
            metadata_json = self._metadata_texts[id(new.metadata)] = canonical_bytes(new.metadata)
        row = chained_row(
            self.previous,
            self.position,
            eid,
            stream_id,
            version,
            new,
            metadata_json,
            self.recorded_at,
        )
        position, _, _, _, kind, schema_version, data_json, _, recorded_at, digest = row
        self.previous = digest
        self.rows.append(
            {
                "position": position,
                "event_id": eid,
                "stream_id": stream_id,
                "stream_version": version,
                "type": kind,
                "schema_version": schema_version,
                "data": data_json,
                "metadata": metadata_json,
                "recorded_at": recorded_at,
                "hash": digest,
            }
        )
        self.key_rows.extend({"key": k, "position": self.position} for k in new.keys)
        return self.position

    def text_rows(self) -> list[dict[str, Any]]:
        """The rows with their JSON columns as text, for inserts through SQLAlchemy."""
        return [
            {**row, "data": row["data"].decode(), "metadata": row["metadata"].decode()}
            for row in self.rows
        ]


def chained_row(
    previous: str,
    position: int,
    eid: str,
    stream_id: str,
    version: int,
    new: NewEvent,
    metadata_json: bytes,
    recorded_at: str,
) -> Row:
    """The row of `new` at `position`, its hash taken over the row before (`previous`)."""
    data_json = canonical_bytes(new.data)
    digest = event_hash(
        previous,
        position=position,
        event_id=eid,
        stream_id=stream_id,
        stream_version=version,
        type=new.type,
        schema_version=new.schema_version,
        data_json=data_json,
        metadata_json=metadata_json,
        recorded_at=recorded_at,
        keys=new.keys,
    )
    return (
        position,
        eid,
        stream_id,
        version,
        new.type,
        new.schema_version,
        data_json,
        metadata_json,
        recorded_at,
        digest,
    )
