"""The append-only event log: atomic appends, idempotent event ids, ordered reads."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, bindparam, func, select

from store import schema
from store.engine import make_engine
from store.errors import (
    ConcurrencyError,
    DuplicateKeyError,
    StoreError,
)
from store.events import (
    GENESIS_HASH,
    NewEvent,
    RecordedEvent,
    canonical_json,
    event_hash,
    format_time,
    parse_time,
)
from store.migrate import upgrade
from store.sql import ErrorTranslation, WriteTransaction, chunks, insert_rows, lookup
from store.upcasting import Upcasters

Clock = Callable[[], datetime]

_events = schema.events
_keys = schema.event_keys


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class StreamAppend:
    """Events for one stream inside an atomic multi-stream append.

    `expected_version` is the stream's version the writer last saw (0: the stream must
    not exist yet); None appends whatever the version is.
    """

    stream_id: str
    events: Sequence[NewEvent]
    expected_version: int | None = None


class EventStore:
    """The log on one database. Thread-safe; each call runs in its own transaction."""

    def __init__(
        self,
        engine: Engine,
        *,
        upcasters: Upcasters | None = None,
        clock: Clock = _utcnow,
        migrate: bool = True,
    ) -> None:
        self.engine = engine
        self.upcasters = upcasters or Upcasters()
        self._clock = clock
        if migrate:
            upgrade(engine)

    @classmethod
    def open(cls, url: str, **kwargs: Any) -> EventStore:
        return cls(make_engine(url), **kwargs)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def close(self) -> None:
        self.engine.dispose()

    # -- writing -------------------------------------------------------------------

    def append(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        *,
        expected_version: int | None = None,
    ) -> list[int]:
        """Append `events` to one stream atomically; returns their positions.

        An event whose id is already stored is not appended again: its stored position
        is returned, which makes retrying an append safe.
        """
        return self.append_many([StreamAppend(stream_id, events, expected_version)])[0]

    def append_many(self, appends: Sequence[StreamAppend]) -> list[list[int]]:
        """Append to several streams in one transaction: all of it is stored or none."""
        if not any(a.events for a in appends):
            return [[] for _ in appends]
        with self._translate_errors(), self._write() as conn:
            return self._append_locked(conn, appends)

    def _write(self) -> Any:
        """A connection in a write transaction holding the append lock."""
        return WriteTransaction(self.engine, append_lock=True)

    def _append_locked(self, conn: Connection, appends: Sequence[StreamAppend]) -> list[list[int]]:
        # Each event id as text once: a poll appends thousands of events, and UUID.__str__
        # was called a dozen times per event.
        named = [[(str(e.event_id), e) for e in a.events] for a in appends]
        ids = [eid for events in named for eid, _ in events]
        if len(set(ids)) != len(ids):
            raise StoreError("an append names the same event id twice")
        stored = self._stored_ids(conn, ids)
        new_keys: dict[str, str] = {}
        for events in named:
            for eid, new in events:
                if eid in stored:
                    continue
                for key in new.keys:
                    if key in new_keys:
                        raise StoreError(f"an append claims key {key!r} twice")
                    new_keys[key] = eid
        taken = self.claimed(new_keys, conn=conn)
        if taken:
            key, position = sorted(taken.items())[0]
            raise DuplicateKeyError(key, position)

        head = conn.execute(
            select(_events.c.position, _events.c.hash).order_by(_events.c.position.desc()).limit(1)
        ).first()
        position, previous = (head[0], head[1]) if head else (0, GENESIS_HASH)
        recorded_at = format_time(self._clock())
        rows: list[dict[str, Any]] = []
        key_rows: list[dict[str, Any]] = []
        result: list[list[int]] = []
        # One grouped query for every stream of the call (a poll appends to hundreds).
        versions = self._stream_versions(conn, [a.stream_id for a in appends])
        # Writers pass one metadata dict to many events; encode each dict once per call.
        metadata_texts: dict[int, str] = {}
        for append, events in zip(appends, named, strict=True):
            fresh = [eid for eid, _ in events if eid not in stored]
            version = versions.get(append.stream_id, 0)
            if fresh and append.expected_version is not None and version != append.expected_version:
                raise ConcurrencyError(append.stream_id, append.expected_version, version)
            positions: list[int] = []
            for eid, new in events:
                if (known := stored.get(eid)) is not None:
                    positions.append(known)
                    continue
                position += 1
                version += 1
                data_json = canonical_json(new.data)
                metadata_json = metadata_texts.get(id(new.metadata)) or metadata_texts.setdefault(
                    id(new.metadata), canonical_json(new.metadata)
                )
                previous = event_hash(
                    previous,
                    position=position,
                    event_id=new.event_id,
                    stream_id=append.stream_id,
                    stream_version=version,
                    type=new.type,
                    schema_version=new.schema_version,
                    data_json=data_json,
                    metadata_json=metadata_json,
                    recorded_at=recorded_at,
                    keys=new.keys,
                )
                rows.append(
                    {
                        "position": position,
                        "event_id": eid,
                        "stream_id": append.stream_id,
                        "stream_version": version,
                        "type": new.type,
                        "schema_version": new.schema_version,
                        "data": data_json,
                        "metadata": metadata_json,
                        "recorded_at": recorded_at,
                        "hash": previous,
                    }
                )
                key_rows.extend({"key": k, "position": position} for k in new.keys)
                positions.append(position)
            versions[append.stream_id] = version
            result.append(positions)
        insert_rows(conn, _events, rows)
        insert_rows(conn, _keys, key_rows)
        return result

    def _stored_ids(self, conn: Connection, ids: list[str]) -> dict[str, int]:
        return lookup(conn, _events.c.event_id, _events.c.position, ids)

    def _stream_versions(self, conn: Connection, stream_ids: list[str]) -> dict[str, int]:
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

    def _stream_version(self, conn: Connection, stream_id: str) -> int:
        version = conn.execute(
            select(func.max(_events.c.stream_version)).where(_events.c.stream_id == stream_id)
        ).scalar()
        return int(version or 0)

    # -- reading -------------------------------------------------------------------

    def head(self) -> int:
        """The position of the newest event, 0 for an empty log."""
        with self._translate_errors(), self.engine.connect() as conn:
            return int(conn.execute(select(func.max(_events.c.position))).scalar() or 0)

    def stream_version(self, stream_id: str) -> int:
        with self._translate_errors(), self.engine.connect() as conn:
            return self._stream_version(conn, stream_id)

    def claimed(self, keys: Iterable[str], *, conn: Connection | None = None) -> dict[str, int]:
        """The keys among `keys` already claimed, with the position of the claiming event."""
        wanted = list(keys)
        if not wanted:
            return {}
        if conn is None:
            with self._translate_errors(), self.engine.connect() as own:
                return self.claimed(wanted, conn=own)
        return lookup(conn, _keys.c.key, _keys.c.position, wanted)

    def get(self, position: int) -> RecordedEvent | None:
        """The event at `position`, upcast, or None."""
        with self._translate_errors(), self.engine.connect() as conn:
            row = conn.execute(select(_events).where(_events.c.position == position)).first()
        return self._to_event(row) if row else None

    def read_all(
        self,
        *,
        after: int = 0,
        types: Iterable[str] | None = None,
        batch_size: int = 1000,
        until: int | None = None,
    ) -> Iterator[RecordedEvent]:
        """Every event after `after` (up to `until`), in order, fetched in batches."""
        for batch in self.read_batches(
            after=after, types=types, batch_size=batch_size, until=until
        ):
            yield from batch

    def read_batches(
        self,
        *,
        after: int = 0,
        types: Iterable[str] | None = None,
        batch_size: int = 1000,
        until: int | None = None,
    ) -> Iterator[list[RecordedEvent]]:
        """Events after `after` in lists of at most `batch_size`: memory stays bounded."""
        wanted = sorted(set(types)) if types is not None else None
        cursor = after
        while True:
            query = select(_events).where(_events.c.position > cursor)
            if until is not None:
                query = query.where(_events.c.position <= until)
            if wanted is not None:
                query = query.where(_events.c.type.in_(wanted))
            query = query.order_by(_events.c.position).limit(batch_size)
            with self._translate_errors(), self.engine.connect() as conn:
                rows = conn.execute(query).all()
            if not rows:
                return
            yield [self._to_event(row) for row in rows]
            cursor = rows[-1].position
            if len(rows) < batch_size:
                return

    def read_stream(self, stream_id: str, *, after_version: int = 0) -> list[RecordedEvent]:
        query = (
            select(_events)
            .where(_events.c.stream_id == stream_id, _events.c.stream_version > after_version)
            .order_by(_events.c.stream_version)
        )
        with self._translate_errors(), self.engine.connect() as conn:
            return [self._to_event(row) for row in conn.execute(query)]

    def _to_event(self, row: Row[Any]) -> RecordedEvent:
        version, data = self.upcasters.upcast(row.type, row.schema_version, json.loads(row.data))
        return RecordedEvent(
            position=row.position,
            event_id=uuid.UUID(row.event_id),
            stream_id=row.stream_id,
            stream_version=row.stream_version,
            type=row.type,
            schema_version=version,
            data=data,
            metadata=json.loads(row.metadata),
            recorded_at=parse_time(row.recorded_at),
            hash=row.hash,
        )

    # -- errors --------------------------------------------------------------------

    def _translate_errors(self) -> ErrorTranslation:
        return ErrorTranslation(self.engine)
