"""Replay: projections rebuilt from position 0 into generation N+1 beside the current one,
together from one read of each batch of the log, then each swapped in with one update of
its checkpoint row (store/projections.py runs it)."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from sqlalchemy import Connection, Index, Table, func, inspect, select, update

from store import schema
from store.ahead import FAILED, Slice
from store.checkpoint_rows import create_tables
from store.errors import StoreError, StoreUnavailableError
from store.events import RecordedEvent
from store.faults import apply_each, clear_faults, forget_faults
from store.fingerprints import digest
from store.projection import Checkpoint, Projection, ReplayResult
from store.replay_claim import only_replay
from store.sql import reading, write_transaction
from store.together import Batch, Runner, Together, batches, passes

log = logging.getLogger("newsledger.store")


class ProjectionRunner(Runner, Protocol):
    """What a replay needs of the runner (store/projections.py, which imports this module)."""

    def checkpoint(self, name: str) -> Checkpoint: ...

    def read_part(self, projection: Projection, part: Slice) -> list[RecordedEvent]: ...


_checkpoints = schema.projection_checkpoints

Progress = Callable[[int, int], None]
"""Called with (events applied so far, events to apply in all)."""


def replay(
    runner: ProjectionRunner, projections: Sequence[Projection], progress: Progress | None
) -> list[ReplayResult]:
    """Rebuild each of `projections` from position 0 into a new generation, then swap it
    in. A second replay of any of them meanwhile is refused: both would build the same
    generation, each dropping the other's tables, and the later swap would drop the live
    ones. The leases of all are taken first, so a refused replay has rebuilt nothing (it
    once rebuilt the views before the one it was refused at). The new generations are
    built together, from one read of each batch of the log (store/together.py); each is
    then swapped in on its own, in order."""
    names = [p.name for p in projections]
    with only_replay(runner.store, names) as still_held:
        builds = [_begin(runner, p) for p in projections]
        head = runner.store.head()
        _rebuild_all(runner, builds, head, progress or (lambda done, total: None))
        return [_finish(runner, b, head, partial(still_held, b.projection.name)) for b in builds]


@dataclass
class _Build:
    """A projection's new generation while it is rebuilt."""

    projection: Projection
    current: Checkpoint
    tables: dict[str, Table]
    deferred: list[Index]
    started: float
    applied: int = 0

    @property
    def generation(self) -> int:
        return self.current.generation + 1


def _begin(runner: ProjectionRunner, projection: Projection) -> _Build:
    """The new generation's tables, created empty (but for its deferred indexes)."""
    started = time.perf_counter()
    current = runner.checkpoint(projection.name)
    new_tables = projection.tables(current.generation + 1)
    deferred = projection.deferred_indexes(new_tables)
    with write_transaction(runner.store.engine, append_lock=False) as conn:
        # Left over by a replay that did not finish: its tables and its faults.
        for table in reversed(list(new_tables.values())):
            table.drop(conn, checkfirst=True)
        forget_faults(conn, projection.name, current.generation + 1)
        create_tables(conn, new_tables, without=deferred)
    return _Build(projection, current, new_tables, deferred, started)


def _rebuild_all(
    runner: ProjectionRunner, builds: Sequence[_Build], head: int, progress: Progress
) -> None:
    """Apply the log up to `head` to every new generation: the views with a `prepare`
    from one read of each batch in worker processes (when the log is long enough), the
    rest from one read here, each batch applied in log order."""
    counts = {b.projection.name: _count(runner, b.projection, head) for b in builds}
    by_name = {b.projection.name: b for b in builds}
    done, total = 0, sum(counts.values())

    def theirs(together: Together) -> int:  # the events of the views that would go ahead
        return sum(counts[p.name] for p in together.projections)

    for step in passes(runner, [b.projection for b in builds], theirs):
        group = [by_name[p.name] for p in step[0].projections]
        with contextlib.closing(batches(runner, step, 0, head)) as each:
            # Closed on the way out: a failure stops its worker processes at once.
            done = _rebuild_pass(runner, group, each, done, total, progress)


def _rebuild_pass(
    runner: ProjectionRunner,
    group: Sequence[_Build],
    batches: Iterable[Batch],
    done: int,
    total: int,
    progress: Progress,
) -> int:
    """Apply one pass's batches to its views' new generations; events applied so far."""
    since = [0] * len(group)
    for last, shares in batches:
        for n, (build, (count, prepared, own)) in enumerate(zip(group, shares, strict=True)):
            if not count:
                continue
            part = Slice(since[n], last, count)
            projection, tables = build.projection, build.tables
            _rebuild_slice(runner, projection, tables, build.generation, part, prepared, own)
            since[n] = last
            build.applied += count
            done += count
        progress(done, total)
    return done


def _finish(
    runner: ProjectionRunner, build: _Build, head: int, still_held: Callable[[], bool]
) -> ReplayResult:
    """Apply what arrived meanwhile, swap the new generation in, drop the old one."""
    projection, new_tables, deferred = build.projection, build.tables, build.deferred
    current, generation, applied = build.current, build.generation, build.applied
    with write_transaction(runner.store.engine, append_lock=False) as conn:
        for index in deferred:
            index.create(conn)
    # What arrived during the rebuild, outside the swap too: a fault there needs its
    # own transaction, and the swap then has (almost) nothing left to apply.
    caught_up = runner.store.head()
    for batch in runner.store.read_batches(
        after=head, types=projection.types, batch_size=runner.batch_size, until=caught_up
    ):
        _rebuild(runner, projection, new_tables, generation, batch)
        applied += len(batch)
    head = caught_up
    if not still_held():  # pragma: no cover - renewed every RENEW seconds by a thread
        raise StoreError(f"projection {projection.name!r}: this replay lost its lease")
    # Swap: events appended during the rebuild are applied in the swapping transaction.
    with write_transaction(runner.store.engine, append_lock=False) as conn:
        query = select(_checkpoints).where(_checkpoints.c.name == projection.name)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = conn.execute(query).one()
        if row.generation != current.generation:  # pragma: no cover - the lease prevents it
            raise StoreError(
                f"projection {projection.name!r} was replayed by another process meanwhile"
            )
        tail = list(runner.store.read_all(after=head, types=projection.types))
        if tail:
            projection.apply(conn, new_tables, tail)
            applied += len(tail)
        through = max([head, *(e.position for e in tail)])
        old_tables = projection.tables(row.generation)
        inspector = inspect(conn)
        missing = sorted(t.name for t in old_tables.values() if not inspector.has_table(t.name))
        if missing:
            # Dropped by hand, say: replaying is how a damaged view is rebuilt, so it is
            # rebuilt without the comparison that would read them.
            log.warning(
                "projection %r: the tables of generation %d were missing (%s): "
                "rebuilt without comparing",
                projection.name,
                row.generation,
                ", ".join(missing),
            )
            changes: dict[str, Any] = {}
        else:
            changes = projection.compare(conn, old_tables, new_tables)
        conn.execute(
            update(_checkpoints)
            .where(_checkpoints.c.name == projection.name)
            .values(
                position=max(through, row.position),
                generation=generation,
                fingerprint=digest(projection),
            )
        )
        clear_faults(conn, projection.name, except_generation=generation)
    with write_transaction(runner.store.engine, append_lock=False) as conn:
        for table in reversed(list(old_tables.values())):
            table.drop(conn, checkfirst=True)
    return ReplayResult(
        name=projection.name,
        events=applied,
        seconds=time.perf_counter() - build.started,
        generation=generation,
        changes=changes,
    )


def _rebuild(
    runner: ProjectionRunner,
    projection: Projection,
    tables: Mapping[str, Table],
    generation: int,
    events: Sequence[RecordedEvent],
) -> None:
    """Apply `events` to a generation being rebuilt, recording the ones that fail."""

    def apply(conn: Connection, batch: Sequence[RecordedEvent]) -> None:
        projection.apply(conn, tables, batch)

    try:
        with write_transaction(runner.store.engine, append_lock=False) as conn:
            apply(conn, events)
    except StoreUnavailableError:
        raise
    except Exception:
        apply_each(runner.store.engine, projection.name, generation, events, apply)


def _rebuild_slice(
    runner: ProjectionRunner,
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
            with write_transaction(runner.store.engine, append_lock=False) as conn:
                projection.apply_prepared(conn, tables, prepared)
            return
        except StoreUnavailableError:
            raise
        except Exception:
            pass  # rolled back; applied again below, event by event if need be
    if events is None:
        events = runner.read_part(projection, part)
    _rebuild(runner, projection, tables, generation, events)


def _count(runner: ProjectionRunner, projection: Projection, head: int) -> int:
    events = schema.events
    query = select(func.count()).select_from(events).where(events.c.position <= head)
    if projection.types is not None:
        query = query.where(events.c.type.in_(sorted(projection.types)))
    with reading(runner.store.engine) as conn:
        return int(conn.execute(query).scalar() or 0)
