"""Projections: named handlers with their own tables, checkpointed with their view rows.

A projection's tables live in a *generation* (`<base>_g<N>`). Incremental processing
writes to the current generation; `replay` builds generation N+1 beside it from position
0 and swaps it in with one update of the checkpoint row, so readers never see a
half-built view and serving goes on during a rebuild.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, inspect, select, text, update
from sqlalchemy import insert as sa_insert

from store import schema
from store.ahead import FAILED, LogSource, Slice, log_source, prepared_slices, slices
from store.errors import StoreError, StoreUnavailableError
from store.events import RecordedEvent
from store.eventstore import EventStore
from store.faults import ProjectionFault, list_faults, skip_event
from store.projection import Checkpoint, Projection, ReplayResult
from store.rebuild import Progress, create_tables, prepared_here, prepares, replay
from store.sql import reading, schema_lock, write_transaction

#: Advisory lock id (PostgreSQL) held while a projection registers, i.e. creates its tables.
REGISTER_LOCK = 7_262_002

_checkpoints = schema.projection_checkpoints


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
        for projection in self.projections.values():
            projection.bind(store.events_at)
        self.batch_size = batch_size
        # A replay of at least `ahead_from` events runs `prepare` in `workers` processes
        # besides its own, which prepares too when it would otherwise wait (default: one
        # per CPU but its own; 0: all in one process); a shorter one is not worth them.
        self.workers = workers if workers is not None else (os.cpu_count() or 1) - 1
        self.ahead_from = ahead_from
        self._checked: set[tuple[str, int]] = set()  # (projection, generation): columns match

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
            if conn.dialect.name == "postgresql":
                # Replicas' projection processes start together, and two concurrent
                # CREATE TABLE IF NOT EXISTS collide (a unique violation in pg_type): one
                # registration at a time. SQLite's IMMEDIATE transaction already is.
                conn.execute(text(f"SELECT {schema_lock(REGISTER_LOCK)}"))
            row = conn.execute(select(_checkpoints).where(_checkpoints.c.name == name)).first()
            if row is not None:
                return Checkpoint(row.name, row.position, row.generation)
            create_tables(conn, projection.tables(1))
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
        self._check_columns(projection, start.generation)
        head = self.store.head()
        applied = 0
        # A long catch-up (a large folder poll) prepares ahead in worker processes, as a replay.
        # Either way the pure work is done before the batch's write transaction, which then
        # holds the database's write lock only for the writing: on SQLite that lock is the
        # log's too, and a catch-up running beside a poll (store/follow.py) must not hold
        # the poll's appends back while it fingerprints a thousand articles.
        ahead = self.ahead_for(projection, head - start.position)
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
                prepared = prepared_here(projection, batch)
                applied += self._apply_slice(projection, part, prepared, batch)
                after = part.last
        if self.checkpoint(projection.name).position < head:
            self._apply_batch(projection, [], head)
        return applied

    def _check_columns(self, projection: Projection, generation: int) -> None:
        """Refuse to write to view tables made by another version of `projection` that its
        rows cannot go into (a column it defines is missing, or one it does not define
        must be filled): each batch would fail and its events be skipped as faults. A
        replay builds the tables anew. Checked once per generation."""
        if (projection.name, generation) in self._checked:
            return
        with reading(self.store.engine) as conn:
            found = inspect(conn)
            for table in projection.tables(generation).values():
                if not found.has_table(table.name):
                    # Registration and replay create every table of a generation: one
                    # missing was added by another version of the projection.
                    raise StoreError(_another_version(projection.name, table.name, "its table"))
                stored = {c["name"]: c for c in found.get_columns(table.name)}
                defined = {c.name for c in table.columns}
                differ = (defined - set(stored)) | {
                    name
                    for name, c in stored.items()
                    if name not in defined and not c["nullable"] and c.get("default") is None
                }
                if differ:
                    columns = f"columns {', '.join(sorted(differ))}"
                    raise StoreError(_another_version(projection.name, table.name, columns))
        self._checked.add((projection.name, generation))

    def ahead_for(self, projection: Projection, events: int) -> LogSource | None:
        """How worker processes read the log for `projection`'s `prepare`, if `events` are
        enough to be worth starting them (`ahead_from`) and they can read it at all."""
        if self.workers < 1 or events < self.ahead_from or not prepares(projection):
            return None
        return log_source(self.store.engine, projection.types, self.store.upcasters)

    def read_part(self, projection: Projection, part: Slice) -> list[RecordedEvent]:
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
                planned = self._plan(projection, part, prepared)
                if planned is not None:
                    generation, plan = planned
                    with write_transaction(self.store.engine, append_lock=False) as conn:
                        row = self._locked_checkpoint(conn, projection)
                        if (row.position, row.generation) == (part.after, generation):
                            tables = projection.tables(generation)
                            projection.apply_prepared(conn, tables, plan)
                            conn.execute(
                                update(_checkpoints)
                                .where(_checkpoints.c.name == projection.name)
                                .values(position=part.last)
                            )
                            return part.count
                    projection.forget()  # planned for a view another runner has moved
            except StoreUnavailableError:
                projection.forget()
                raise
            except Exception:
                projection.forget()  # rolled back; applied again below, event by event
        if events is None:
            events = self.read_part(projection, part)
        return self._apply_batch(projection, events, part.last)

    def _plan(self, projection: Projection, part: Slice, prepared: Any) -> tuple[int, Any] | None:
        """`projection.plan` of a prepared batch, on a read connection (outside the write
        transaction), with the generation it was planned for; None if the view's
        checkpoint is no longer where the batch starts."""
        with reading(self.store.engine) as conn:
            query = select(_checkpoints).where(_checkpoints.c.name == projection.name)
            row = conn.execute(query).one()
            if row.position != part.after:
                return None
            return row.generation, projection.plan(
                conn, projection.tables(row.generation), prepared
            )

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
        return [replay(self, p, progress) for p in self._select(name)]

    def faults(self, name: str) -> list[ProjectionFault]:
        """The events the current generation of projection `name` could not apply."""
        return list_faults(self.store.engine, name, self.checkpoint(name).generation)


def _another_version(name: str, table: str, what: str) -> str:
    return (
        f"projection {name!r}: table {table} was made by another version ({what} differ);"
        f" run `newsledger replay --projection {name}` to rebuild it"
    )
