"""Projection faults: the events a projection could not apply, kept where `status` shows them.

The policy (README, "Security"): the log is immutable, so an event that makes a projection
raise will make it raise on every retry. Stopping the view would stop publishing for ever;
instead the runner applies the rest of the batch, records the event as a fault (position,
type, error) in the same transaction that moves the checkpoint past it, logs one warning,
and goes on. A replay applies every event again, so a fault fixed in the projection's code
disappears on the next `newsledger replay`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, delete, insert, select, update

from store import schema
from store.errors import StoreUnavailableError
from store.events import RecordedEvent, format_time
from store.sql import reading, write_transaction

log = logging.getLogger("store.projections")
_faults = schema.projection_faults
#: Enough of an error message to recognise it; a hostile event must not fill the table.
ERROR_CHARS = 500


@dataclass(frozen=True, slots=True)
class ProjectionFault:
    """One event that projection `name` skipped because applying it raised `error`."""

    name: str
    position: int
    event_id: str
    type: str
    error: str
    recorded_at: str


def record_fault(
    conn: Connection, name: str, generation: int, event: RecordedEvent, exc: BaseException
) -> None:
    """Record (in the caller's transaction) that `event` could not be applied."""
    error = f"{type(exc).__name__}: {exc}"[:ERROR_CHARS]
    conn.execute(
        insert(_faults).values(
            name=name,
            generation=generation,
            position=event.position,
            event_id=str(event.event_id),
            type=event.type,
            error=error,
            recorded_at=format_time(datetime.now(UTC)),
        )
    )
    log.warning(
        "projection %s skipped the %s event at position %d: %s",
        name,
        event.type,
        event.position,
        error,
        extra={"projection": name, "position": event.position},
    )


def skip_event(engine: Engine, name: str, event: RecordedEvent, exc: Exception) -> None:
    """Record `event` as a fault of projection `name` and move its checkpoint past it."""
    checkpoints = schema.projection_checkpoints
    with write_transaction(engine, append_lock=False) as conn:
        query = select(checkpoints).where(checkpoints.c.name == name)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = conn.execute(query).one()
        if row.position >= event.position:
            return  # another runner got past it meanwhile
        record_fault(conn, name, row.generation, event, exc)
        conn.execute(
            update(checkpoints).where(checkpoints.c.name == name).values(position=event.position)
        )


def apply_each(
    engine: Engine,
    name: str,
    generation: int,
    events: Sequence[RecordedEvent],
    apply: Callable[[Connection, Sequence[RecordedEvent]], None],
) -> None:
    """Apply `events` one transaction each; record the ones that raise as faults."""
    for event in events:
        try:
            with write_transaction(engine, append_lock=False) as conn:
                apply(conn, [event])
        except StoreUnavailableError:
            raise
        except Exception as exc:
            with write_transaction(engine, append_lock=False) as conn:
                record_fault(conn, name, generation, event, exc)


def clear_faults(conn: Connection, name: str, *, except_generation: int) -> None:
    """Forget the faults of generations other than `except_generation` (after a swap)."""
    conn.execute(
        delete(_faults).where(_faults.c.name == name, _faults.c.generation != except_generation)
    )


def forget_faults(conn: Connection, name: str, generation: int) -> None:
    """Forget the faults of one generation: left by a replay that did not finish, they
    would collide with the next replay's faults of the same events."""
    conn.execute(delete(_faults).where(_faults.c.name == name, _faults.c.generation == generation))


def list_faults(engine: Engine, name: str, generation: int) -> list[ProjectionFault]:
    """The faults of one generation of projection `name`, oldest first."""
    query = (
        select(_faults)
        .where(_faults.c.name == name, _faults.c.generation == generation)
        .order_by(_faults.c.position)
    )
    with reading(engine) as conn:
        return [
            ProjectionFault(r.name, r.position, r.event_id, r.type, r.error, r.recorded_at)
            for r in conn.execute(query)
        ]
