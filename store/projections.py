"""Projections: named handlers with their own tables, checkpointed with their view rows.

A projection's tables live in a *generation* (`<base>_g<N>`). Incremental processing
writes to the current generation; `replay` builds generation N+1 beside it from position
0 and swaps it in with one update of the checkpoint row, so readers never see a
half-built view and serving goes on during a rebuild.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Index, Table, func, select, update
from sqlalchemy import insert as sa_insert
from sqlalchemy.schema import CreateTable

from store import schema
from store.ahead import FAILED, LogSource, Slice, log_source, prepared_slices, slices
from store.errors import StoreError, StoreUnavailableError
from store.events import RecordedEvent
from store.eventstore import EventStore
from store.faults import ProjectionFault, apply_each, clear_faults, list_faults, skip_event
from store.projection import Checkpoint, Projection, ReplayResult
from store.sql import reading, write_transaction

_checkpoints = schema.projection_checkpoints

Progress = Callable[[int, int], None]
"""Called with (events applied so far, events to apply in all)."""


class ProjectionRunner:
    """Applies the log to projections: incrementally (`catch_up`) or from scratch (`replay`)."""

    def __init__(
        self,
        store: EventStore,
        projections: Iterable[Projection],
        *,
        batch_size: int = 500,
        workers: int | None = None,
        ahead_from: int = 20_000,
    ) -> None:
        self.store = store
        self.projections = {p.name: p for p in projections}
        self.batch_size = batch_size
        # A replay of at least `ahead_from` events runs `prepare` in `workers` processes
        # besides its own, which prepares too when it would otherwise wait (default: one
        # per CPU but its own; 0: all in one process); a shorter one is not worth them.
        self.workers = workers if workers is not None else (os.cpu_count() or 1) - 1
        self.ahead_from = ahead_from

    def _select(self, name: str | None) -> list[Projection]:
        if name is None:
            return list(self.projections.values())
        if name not in self.projections:
            known = ", ".join(sorted(self.projections)) or "none"
            raise StoreError(f"unknown projection {name!r} (known: {known})")
        return [self.projections[name]]

    # -- state ---------------------------------------------------------------------

    def checkpoint(self, name: str) -> Checkpoint:
        """The projection's checkpoint, registering the projection on first use."""
        projection = self._select(name)[0]
        with reading(self.store.engine) as conn:
            row = conn.execute(select(_checkpoints).where(_checkpoints.c.name == name)).first()
        if row is not None:
            return Checkpoint(row.name, row.position, row.generation)
        with write_transaction(self.store.engine, append_lock=False) as conn:
            row = conn.execute(select(_checkpoints).where(_checkpoints.c.name == name)).first()
            if row is not None:
                return Checkpoint(row.name, row.position, row.generation)
            self._create(conn, projection.tables(1))
            conn.execute(sa_insert(_checkpoints).values(name=name, position=0, generation=1))
        return Checkpoint(name, 0, 1)

    def tables(self, name: str) -> dict[str, Table]:
        """The current generation's tables of projection `name`, for readers."""
        return self.projections[name].tables(self.checkpoint(name).generation)

    def lag(self, name: str) -> int:
        return max(0, self.store.head() - self.checkpoint(name).position)

    # -- incremental ---------------------------------------------------------------

    def catch_up(self, name: str | None = None) -> dict[str, int]:
        """Apply every event after each projection's checkpoint; returns events applied."""
        return {p.name: self._catch_up(p) for p in self._select(name)}

    def _catch_up(self, projection: Projection) -> int:
        start = self.checkpoint(projection.name)
        head = self.store.head()
        applied = 0
        # A long catch-up (a large folder poll) prepares ahead in worker processes, as a replay.
        # Either way the pure work is done before the batch's write transaction, which then
        # holds the database's write lock only for the writing: on SQLite that lock is the
        # log's too, and a catch-up running beside a poll (store/follow.py) must not hold
        # the poll's appends back while it fingerprints a thousand articles.
        ahead = self._ahead(projection, head - start.position)
        if ahead is not None:
            parts = slices(
                self.store.engine,
                after=start.position,
                until=head,
                types=projection.types,
                batch_size=self.batch_size,
            )
            for part, prepared in prepared_slices(
                projection, ahead, parts, workers=self.workers, engine=self.store.engine
            ):
                applied += self._apply_slice(projection, part, prepared)
        else:
            after = start.position
            for batch in self.store.read_batches(
                after=after, types=projection.types, batch_size=self.batch_size, until=head
            ):
                part = Slice(after, batch[-1].position, len(batch))
                prepared = _prepared_here(projection, batch)
                applied += self._apply_slice(projection, part, prepared, batch)
                after = part.last
        if self.checkpoint(projection.name).position < head:
            self._apply_batch(projection, [], head)
        return applied

    def _ahead(self, projection: Projection, events: int) -> LogSource | None:
        """How worker processes read the log for `projection`'s `prepare`, if `events` are
        enough to be worth starting them (`ahead_from`) and they can read it at all."""
        if self.workers < 1 or events < self.ahead_from or not _prepares(projection):
            return None
        return log_source(self.store.engine, projection.types, self.store.upcasters)

    def _read(self, projection: Projection, part: Slice) -> list[RecordedEvent]:
        """The events of `part`, read here (when its worker could not prepare it)."""
        return list(
            self.store.read_all(
                after=part.after, types=projection.types, batch_size=part.count, until=part.last
            )
        )

    def _apply_slice(
        self,
        projection: Projection,
        part: Slice,
        prepared: Any,
        events: Sequence[RecordedEvent] | None = None,
    ) -> int:
        """Apply a prepared batch and move the checkpoint to its end; if that is not
        possible as it is (its preparing failed, another runner moved the checkpoint, the
        batch has a fault), apply its `events` (read here if not given) as `_apply_batch`."""
        if prepared is not FAILED:
            try:
                with write_transaction(self.store.engine, append_lock=False) as conn:
                    row = self._locked_checkpoint(conn, projection)
                    if row.position == part.after:
                        tables = projection.tables(row.generation)
                        projection.apply_prepared(conn, tables, prepared)
                        conn.execute(
                            update(_checkpoints)
                            .where(_checkpoints.c.name == projection.name)
                            .values(position=part.last)
                        )
                        return part.count
            except StoreUnavailableError:
                raise
            except Exception:
                pass  # rolled back; applied again below, event by event if need be
        if events is None:
            events = self._read(projection, part)
        return self._apply_batch(projection, events, part.last)

    @staticmethod
    def _locked_checkpoint(conn: Connection, projection: Projection) -> Any:
        query = select(_checkpoints).where(_checkpoints.c.name == projection.name)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        return conn.execute(query).one()

    def _apply_batch(
        self, projection: Projection, events: Sequence[RecordedEvent], through: int
    ) -> int:
        """Apply `events` and move the checkpoint to `through`; an event that cannot be
        applied is recorded as a fault and skipped (store/faults.py says why)."""
        try:
            return self._apply_together(projection, events, through)
        except StoreUnavailableError:
            raise
        except Exception:
            if not events:
                raise
        # One transaction per event, so the others land and only the bad one is skipped.
        applied = 0
        for event in events:
            try:
                applied += self._apply_together(projection, [event], event.position)
            except StoreUnavailableError:
                raise
            except Exception as exc:
                skip_event(self.store.engine, projection.name, event, exc)
        if through > events[-1].position:
            self._apply_together(projection, [], through)
        return applied

    def _apply_together(
        self, projection: Projection, events: Sequence[RecordedEvent], through: int
    ) -> int:
        """Apply `events` and move the checkpoint to `through`, in one transaction."""
        with write_transaction(self.store.engine, append_lock=False) as conn:
            row = self._locked_checkpoint(conn, projection)
            # Another runner may have moved the checkpoint while we read: skip what it applied.
            fresh = [e for e in events if e.position > row.position]
            if fresh:
                projection.apply(conn, projection.tables(row.generation), fresh)
            if through > row.position:
                conn.execute(
                    update(_checkpoints)
                    .where(_checkpoints.c.name == projection.name)
                    .values(position=through)
                )
        return len(fresh)

    # -- rebuild -------------------------------------------------------------------

    def replay(
        self, name: str | None = None, *, progress: Progress | None = None
    ) -> list[ReplayResult]:
        """Rebuild projections from position 0 into a new generation, then swap it in."""
        return [self._replay(p, progress) for p in self._select(name)]

    def _replay(self, projection: Projection, progress: Progress | None) -> ReplayResult:
        started = time.perf_counter()
        current = self.checkpoint(projection.name)
        generation = current.generation + 1
        new_tables = projection.tables(generation)
        deferred = projection.deferred_indexes(new_tables)
        with write_transaction(self.store.engine, append_lock=False) as conn:
            for table in reversed(list(new_tables.values())):
                table.drop(conn, checkfirst=True)  # left over by an interrupted replay
            self._create(conn, new_tables, without=deferred)
        head = self.store.head()
        total = self._count(projection, head)
        applied = 0
        ahead = self._ahead(projection, total)
        if ahead is not None:
            parts = slices(
                self.store.engine,
                after=0,
                until=head,
                types=projection.types,
                batch_size=self.batch_size,
            )
            for part, prepared in prepared_slices(
                projection, ahead, parts, workers=self.workers, engine=self.store.engine
            ):
                self._rebuild_slice(projection, new_tables, generation, part, prepared)
                applied += part.count
                if progress is not None:
                    progress(applied, total)
        else:
            after = 0
            for batch in self.store.read_batches(
                types=projection.types, batch_size=self.batch_size, until=head
            ):
                # Prepared before the write transaction, as in a catch-up.
                part = Slice(after, batch[-1].position, len(batch))
                prepared = _prepared_here(projection, batch)
                self._rebuild_slice(projection, new_tables, generation, part, prepared, batch)
                applied += len(batch)
                after = part.last
                if progress is not None:
                    progress(applied, total)
        with write_transaction(self.store.engine, append_lock=False) as conn:
            for index in deferred:
                index.create(conn)
        # What arrived during the rebuild, outside the swap too: a fault there needs its
        # own transaction, and the swap then has (almost) nothing left to apply.
        caught_up = self.store.head()
        for batch in self.store.read_batches(
            after=head, types=projection.types, batch_size=self.batch_size, until=caught_up
        ):
            self._rebuild(projection, new_tables, generation, batch)
            applied += len(batch)
        head = caught_up
        # Swap: events appended during the rebuild are applied in the swapping transaction.
        with write_transaction(self.store.engine, append_lock=False) as conn:
            query = select(_checkpoints).where(_checkpoints.c.name == projection.name)
            if conn.dialect.name == "postgresql":
                query = query.with_for_update()
            row = conn.execute(query).one()
            tail = list(self.store.read_all(after=head, types=projection.types))
            if tail:
                projection.apply(conn, new_tables, tail)
                applied += len(tail)
            through = max([head, *(e.position for e in tail)])
            old_tables = projection.tables(row.generation)
            changes = projection.compare(conn, old_tables, new_tables)
            conn.execute(
                update(_checkpoints)
                .where(_checkpoints.c.name == projection.name)
                .values(position=max(through, row.position), generation=generation)
            )
            clear_faults(conn, projection.name, except_generation=generation)
        with write_transaction(self.store.engine, append_lock=False) as conn:
            for table in reversed(list(old_tables.values())):
                table.drop(conn, checkfirst=True)
        return ReplayResult(
            name=projection.name,
            events=applied,
            seconds=time.perf_counter() - started,
            generation=generation,
            changes=changes,
        )

    def _rebuild(
        self,
        projection: Projection,
        tables: Mapping[str, Table],
        generation: int,
        events: Sequence[RecordedEvent],
    ) -> None:
        """Apply `events` to a generation being rebuilt, recording the ones that fail."""

        def apply(conn: Connection, batch: Sequence[RecordedEvent]) -> None:
            projection.apply(conn, tables, batch)

        try:
            with write_transaction(self.store.engine, append_lock=False) as conn:
                apply(conn, events)
        except StoreUnavailableError:
            raise
        except Exception:
            apply_each(self.store.engine, projection.name, generation, events, apply)

    def _rebuild_slice(
        self,
        projection: Projection,
        tables: Mapping[str, Table],
        generation: int,
        part: Slice,
        prepared: Any,
        events: Sequence[RecordedEvent] | None = None,
    ) -> None:
        """`_rebuild` of a prepared batch; if its preparing failed or it does not apply,
        its `events` (read here if not given) are rebuilt event by event if need be."""
        if prepared is not FAILED:
            try:
                with write_transaction(self.store.engine, append_lock=False) as conn:
                    projection.apply_prepared(conn, tables, prepared)
                return
            except StoreUnavailableError:
                raise
            except Exception:
                pass  # rolled back; applied again below, event by event if need be
        if events is None:
            events = self._read(projection, part)
        self._rebuild(projection, tables, generation, events)

    def faults(self, name: str) -> list[ProjectionFault]:
        """The events the current generation of projection `name` could not apply."""
        return list_faults(self.store.engine, name, self.checkpoint(name).generation)

    def _count(self, projection: Projection, head: int) -> int:
        events = schema.events
        query = select(func.count()).select_from(events).where(events.c.position <= head)
        if projection.types is not None:
            query = query.where(events.c.type.in_(sorted(projection.types)))
        with reading(self.store.engine) as conn:
            return int(conn.execute(query).scalar() or 0)

    @staticmethod
    def _create(
        conn: Connection, tables: Mapping[str, Table], *, without: Sequence[Index] = ()
    ) -> None:
        """Create `tables` with their indexes, except those in `without` (which the caller
        creates later); with `without`, the tables must not exist yet."""
        later = {id(index) for index in without}
        for table in tables.values():
            if not later:
                table.create(conn, checkfirst=True)
                continue
            conn.execute(CreateTable(table))
            for index in sorted(table.indexes, key=lambda i: str(i.name)):
                if id(index) not in later:
                    index.create(conn)


def _prepared_here(projection: Projection, events: Sequence[RecordedEvent]) -> Any:
    """`projection.prepare(events)` in this process; FAILED if it has none or it raised
    (then `apply` meets the bad event, and records it as a fault)."""
    if not _prepares(projection):
        return FAILED
    try:
        return projection.prepare(events)
    except Exception:
        return FAILED


def _prepares(projection: Projection) -> bool:
    """Whether `projection` has pure work (`prepare`) that worker processes can do ahead."""
    return type(projection).prepare is not Projection.prepare
