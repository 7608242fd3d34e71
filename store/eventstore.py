"""The append-only event log: atomic appends, idempotent event ids, ordered reads."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from store import schema
from store.append import StreamAppend, append_locked, claimed_keys
from store.chain import VerifyResult, verify
from store.direct import DirectWriter, Refused
from store.engine import make_engine
from store.errors import translated
from store.events import NewEvent, RecordedEvent, format_time
from store.leases import Lease, Leases, all_leases
from store.migrate import upgrade
from store.notes import read_notes, write_notes
from store.reads import iter_events, row_batches, rows_at, stream_rows, to_events
from store.sql import reading, write_transaction
from store.upcasting import Upcasters
from store.urls import sqlite_in_memory

Clock = Callable[[], datetime]

_events = schema.events
_keys = schema.event_keys


def _utcnow() -> datetime:
    return datetime.now(UTC)


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
        self._direct = DirectWriter(engine)
        if migrate:
            upgrade(engine)

    @classmethod
    def open(cls, url: str, **kwargs: Any) -> EventStore:
        return cls(make_engine(url), **kwargs)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @property
    def is_shared(self) -> bool:
        """Whether another process can open this store (not an in-memory SQLite database)."""
        return self.is_postgres or not sqlite_in_memory(self.engine.url)

    def close(self) -> None:
        self._direct.close()
        self.engine.dispose()

    def reading(self) -> AbstractContextManager[Connection]:
        """A connection for reading projection views; driver errors become `StoreError`s."""
        return reading(self.engine)

    def leases(self, *, owner: str, ttl: timedelta, clock: Clock = _utcnow) -> Leases:
        """The leases `owner` takes on this store's database."""
        return Leases(self.engine, owner=owner, ttl=ttl, clock=clock)

    def verify(self) -> VerifyResult:
        """Walk the whole log, recomputing every hash: is the chain intact?"""
        return verify(self.engine)

    def lease_rows(self, *, prefix: str = "") -> list[Lease]:
        """Every lease row (optionally those whose name starts with `prefix`), by name."""
        return all_leases(self.engine, prefix=prefix)

    def notes(self, *, prefix: str = "") -> dict[str, dict[str, Any]]:
        """The notes (store/notes.py) whose names start with `prefix`."""
        return read_notes(self.engine, prefix=prefix)

    def write_notes(self, values: Mapping[str, Mapping[str, Any]], now: datetime) -> None:
        """Replace the notes named in `values`: state kept beside the log, not a fact."""
        write_notes(self.engine, values, now)

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
        recorded_at = format_time(self._clock())
        with translated(self.engine):
            try:
                return self._direct.append(appends, recorded_at=recorded_at)
            except Refused:
                pass  # a repeated id, a claimed key or a stale version: check it all
            with self._write() as conn:
                return append_locked(conn, appends, recorded_at=recorded_at)

    def _write(self) -> AbstractContextManager[Connection]:
        """A connection in a write transaction holding the append lock."""
        return write_transaction(self.engine, append_lock=True)

    def _append_locked(self, conn: Connection, appends: Sequence[StreamAppend]) -> list[list[int]]:
        return append_locked(conn, appends, recorded_at=format_time(self._clock()))

    def _stream_version(self, conn: Connection, stream_id: str) -> int:
        version = conn.execute(
            select(func.max(_events.c.stream_version)).where(_events.c.stream_id == stream_id)
        ).scalar()
        return int(version or 0)

    # -- reading -------------------------------------------------------------------

    def head(self) -> int:
        """The position of the newest event, 0 for an empty log."""
        with reading(self.engine) as conn:
            return int(conn.execute(select(func.max(_events.c.position))).scalar() or 0)

    def stream_version(self, stream_id: str) -> int:
        with reading(self.engine) as conn:
            return self._stream_version(conn, stream_id)

    def claimed(self, keys: Iterable[str], *, conn: Connection | None = None) -> dict[str, int]:
        """The keys among `keys` already claimed, with the position of the claiming event."""
        wanted = list(keys)
        if not wanted:
            return {}
        if conn is None:
            with reading(self.engine) as own:
                return self.claimed(wanted, conn=own)
        return claimed_keys(conn, wanted)

    def get(self, position: int) -> RecordedEvent | None:
        """The event at `position`, upcast, or None."""
        return self.events_at([position]).get(position)

    def events_at(
        self, positions: Iterable[int], *, conn: Connection | None = None
    ) -> dict[int, RecordedEvent]:
        """The events at `positions`, upcast, by position; a position with no event is
        left out. On `conn` when given: a projection reads earlier events on its own
        connection (the stories projection its candidates' texts, which the log holds
        and its view does not)."""
        if conn is None:
            with reading(self.engine) as own:
                rows = rows_at(own, list(positions))
        else:
            rows = rows_at(conn, list(positions))
        return {event.position: event for event in iter_events(rows, self.upcasters)}

    def read_all(
        self,
        *,
        after: int = 0,
        types: Iterable[str] | None = None,
        batch_size: int = 1000,
        until: int | None = None,
    ) -> Iterator[RecordedEvent]:
        """Every event after `after` (up to `until`), in order, fetched in batches and
        decoded one at a time (`iter_events`)."""
        for rows in row_batches(
            self.engine, after=after, types=types, batch_size=batch_size, until=until
        ):
            yield from iter_events(rows, self.upcasters)

    def read_batches(
        self,
        *,
        after: int = 0,
        types: Iterable[str] | None = None,
        batch_size: int = 1000,
        until: int | None = None,
    ) -> Iterator[list[RecordedEvent]]:
        """Events after `after` in lists of at most `batch_size`: memory stays bounded."""
        for rows in row_batches(
            self.engine, after=after, types=types, batch_size=batch_size, until=until
        ):
            yield to_events(rows, self.upcasters)

    def read_stream(self, stream_id: str, *, after_version: int = 0) -> list[RecordedEvent]:
        """The events of one stream after `after_version`, in order, upcast."""
        with reading(self.engine) as conn:
            return list(iter_events(stream_rows(conn, stream_id, after_version), self.upcasters))
