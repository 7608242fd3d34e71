"""Projections: named handlers with their own tables, checkpointed with their view rows.

A projection's tables live in a *generation* (`<base>_g<N>`). Incremental processing
writes to the current generation; `replay` builds generation N+1 beside it from position
0 and swaps it in with one update of the checkpoint row, so readers never see a
half-built view and serving goes on during a rebuild.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table, select, update

from store import schema
from store.ahead import FAILED, LogSource, Slice, log_source
from store.checkpoint_rows import checkpoint_row, locked_checkpoint
from store.errors import StoreError, StoreUnavailableError, ViewOutdatedError
from store.events import RecordedEvent
from store.eventstore import EventStore
from store.faults import ProjectionFault, list_faults, skip_event
from store.fingerprints import Fingerprints
from store.projection import Checkpoint, Projection, ReplayResult
from store.rebuild import Progress, replay
from store.sql import reading, write_transaction
from store.together import Together, catch_up_pass, passes
from store.view_columns import check_columns

_checkpoints = schema.projection_checkpoints
log = logging.getLogger(__name__)


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
        self.fingerprints = Fingerprints(self.projections.values(), store)

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
        return checkpoint_row(self.store.engine, projection, self.fingerprints.own[name])

    def tables(self, name: str) -> dict[str, Table]:
        """The current generation's tables of projection `name`, for readers."""
        return self.projections[name].tables(self.checkpoint(name).generation)

    def lag(self, name: str) -> int:
        return max(0, self.store.head() - self.checkpoint(name).position)

    # -- incremental ---------------------------------------------------------------

    def catch_up(
        self,
        name: str | None = None,
        *,
        rebuild: bool = False,
        batches: int | None = None,
        ahead: bool = True,
    ) -> dict[str, int]:
        """Apply every event after each projection's checkpoint; returns events applied.
        With `batches`, no further than that many batches of positions past the slowest
        view's checkpoint (views refused below do not count). Without `ahead`, even a long
        catch-up stays in this process: no worker processes (the projection process while
        a poll appends; a view replayed for other rules still replays with them).

        Projections at the same checkpoint read the log together: each batch is read and
        decoded once for all of them (a follower's usual case, every view one poll
        behind: the topics and stories views each read and decoded every new event).
        A view built with other settings is replayed first with `rebuild` (unless this
        process last extended it with these settings: store/fingerprints.py), else refused
        (`ViewOutdatedError`)."""
        selected = self._select(name)
        head = self.store.head()
        applied: dict[str, int] = {}
        groups: dict[int, list[Projection]] = {}  # by checkpoint position
        refused: list[StoreError] = []  # views built otherwise: the others go on
        for projection in selected:
            try:
                start = self._usable(projection, rebuild=rebuild)
            except StoreError as exc:
                refused.append(exc)
                continue
            groups.setdefault(start.position, []).append(projection)
        if batches is not None and groups:
            head = min(head, min(groups) + batches * self.batch_size)
        for after, group in groups.items():
            # A long one (a large folder poll) prepares ahead in worker processes, as a
            # replay, for every view that has a `prepare`, from one read of each batch.
            behind = (lambda _, span=head - after: span) if ahead else None
            for step in passes(self, group, behind):
                applied.update(catch_up_pass(self, step, after, head))
        if refused:
            raise refused[0]
        return {p.name: applied[p.name] for p in selected}

    def _usable(self, projection: Projection, *, rebuild: bool) -> Checkpoint:
        """The checkpoint of `projection`'s view, if this runner may extend it: built with
        its fingerprint (replayed first when it was not and `rebuild` allows it,
        store/fingerprints.py) and with the columns this version reads (a view made by
        another version is refused, store/view_columns.py)."""
        name, start = projection.name, self.checkpoint(projection.name)
        own = self.fingerprints
        if rebuild and own.outdated(name, start.fingerprint) and own.may_rebuild(name):
            log.warning("view %r was built with other rules or code: rebuilding it", name)
            self.replay(name)
            start = self.checkpoint(name)
        own.check(name, start.fingerprint)
        if (name, start.generation) not in self._checked:
            check_columns(self.store.engine, projection, start.generation)
            self._checked.add((name, start.generation))
        return start

    def move_to(self, projection: Projection, head: int) -> None:
        if self.checkpoint(projection.name).position < head:
            self._apply_batch(projection, [], head)

    def ahead_together(self, together: Together, events: int) -> LogSource | None:
        """How worker processes read the log for `together`'s `prepare`, if `events` are
        enough to be worth starting them (`ahead_from`) and they can read it at all."""
        if not together.projections or self.workers < 1 or events < self.ahead_from:
            return None
        return log_source(self.store.engine, together.types, self.store.upcasters)

    def read_part(self, projection: Projection, part: Slice) -> list[RecordedEvent]:
        """The events of `part`, read here (when its worker could not prepare it)."""
        return list(
            self.store.read_all(
                after=part.after, types=projection.types, batch_size=part.count, until=part.last
            )
        )

    def apply_slice(
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
                        row = locked_checkpoint(conn, projection)
                        # (A rebuild with other rules is a new generation too.)
                        if (row.position, row.generation) == (part.after, generation):
                            tables = projection.tables(generation)
                            projection.apply_prepared(conn, tables, plan)
                            conn.execute(
                                update(_checkpoints)
                                .where(_checkpoints.c.name == projection.name)
                                .values(position=part.last)
                            )
                            return part.count
                    projection.forget()  # planned for a view another runner has moved or rebuilt
            except (StoreUnavailableError, ViewOutdatedError):
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

    def _apply_batch(
        self, projection: Projection, events: Sequence[RecordedEvent], through: int
    ) -> int:
        """Apply `events` and move the checkpoint to `through`; an event that cannot be
        applied is recorded as a fault and skipped (store/faults.py says why)."""
        try:
            return self._apply_together(projection, events, through)
        except (StoreUnavailableError, ViewOutdatedError):
            raise
        except Exception:
            if not events:
                raise
        # One transaction per event, so the others land and only the bad one is skipped.
        applied = 0
        for event in events:
            try:
                applied += self._apply_together(projection, [event], event.position)
            except (StoreUnavailableError, ViewOutdatedError):  # no fault of the event's
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
            row = locked_checkpoint(conn, projection)
            # Another runner may have rebuilt the view with other rules meanwhile.
            self.fingerprints.check(projection.name, row.fingerprint)
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
        return replay(self, self._select(name), progress)

    def faults(self, name: str) -> list[ProjectionFault]:
        """The events the current generation of projection `name` could not apply."""
        return list_faults(self.store.engine, name, self.checkpoint(name).generation)
