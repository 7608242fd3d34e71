"""Projections at one checkpoint caught up from one read of each batch of the log.

The worker's projection process follows the log with every view (the topics and the
stories views share one checkpoint when they keep up). Read one at a time, each view
decoded every event again, and the second view's `prepare` computed again what the first
had just computed of the same text (the meetings, which the extractor keeps for the last
texts it read): both views' catch-up of 100,000 articles with a worker process took
62.3 s of CPU, and 54.3-54.6 s with each batch read once for both (50.4 s in one process;
docs/worker.md). `Together` prepares each batch for all of them at once, in a worker
process as in the applying one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from store.ahead import (
    FAILED,
    LogSource,
    Slice,
    prepared_here,
    prepared_slices,
    prepares,
    slices,
)
from store.events import RecordedEvent
from store.eventstore import EventStore
from store.projection import Projection


@dataclass(frozen=True, slots=True)
class Together:
    """Projections whose batches are read together: each gets the events of its own types
    from every batch of their union, in log order."""

    projections: tuple[Projection, ...]

    @property
    def types(self) -> frozenset[str] | None:
        """The event types any of them handles; None if one handles every type."""
        found: set[str] = set()
        for projection in self.projections:
            if projection.types is None:
                return None
            found |= projection.types
        return frozenset(found)

    def split(self, events: Sequence[RecordedEvent]) -> list[Sequence[RecordedEvent]]:
        """Each projection's own events of a batch, in the order of `projections`."""
        return [
            events if p.types is None else [e for e in events if e.type in p.types]
            for p in self.projections
        ]

    def prepare(self, events: Sequence[RecordedEvent]) -> list[tuple[int, Any]]:
        """For each projection, in order: how many of the batch's events are its own and
        its `prepare` of them (None when it has none). In order, so that what one
        projection's `prepare` computes of a text (a memo of the last ones) is at hand
        for the next. A `prepare` that raises fails the whole batch: the applying
        process then prepares and applies it itself, projection by projection."""
        return [
            (len(own), projection.prepare(own) if own else None)
            for projection, own in zip(self.projections, self.split(events), strict=True)
        ]


class Runner(Protocol):
    """What catching up together needs of the runner (store/projections.py)."""

    store: EventStore
    batch_size: int
    workers: int

    def apply_slice(
        self,
        projection: Projection,
        part: Slice,
        prepared: Any,
        events: Sequence[RecordedEvent] | None = None,
    ) -> int: ...

    def move_to(self, projection: Projection, head: int) -> None: ...

    def ahead_together(self, together: Together, events: int) -> LogSource | None: ...


#: A batch as each projection of a `Together` gets it: the batch's last position and, per
#: projection, its own events' count, their `prepare` (FAILED: none) and the events
#: themselves when they were read here (None: prepared ahead, not read here).
Batch = tuple[int, list[tuple[int, Any, Sequence[RecordedEvent] | None]]]


#: A pass over the log: the projections it catches up from one read of each batch, and
#: how its worker processes read the log to prepare them (None: read and prepared here).
Pass = tuple[Together, LogSource | None]


def passes(
    runner: Runner, projections: Sequence[Projection], events: Callable[[Together], int] | None
) -> list[Pass]:
    """How to catch `projections` (all at one checkpoint) up: the ones with a `prepare`
    together in worker processes when `events(them)` are enough to be worth starting
    those (the runner's `ahead_together`; never when `events` is None), then the rest
    (all, when not ahead) together here. Both a catch-up and a replay split them so."""
    preparing = Together(tuple(p for p in projections if prepares(p)))
    source = None if events is None else runner.ahead_together(preparing, events(preparing))
    found: list[Pass] = [] if source is None else [(preparing, source)]
    rest = tuple(p for p in projections if source is None or not prepares(p))
    if rest:
        found.append((Together(rest), None))
    return found


def catch_up_pass(runner: Runner, step: Pass, after: int, head: int) -> dict[str, int]:
    """Catch a pass's projections, all at checkpoint `after`, up to `head`. As in a
    replay, the pure work is done before each write transaction, which then holds the
    write lock (on SQLite the log's too: a poll's appends wait) only for the writing."""
    # Closed on the way out: a failure stops the worker processes at once, as in a replay.
    with contextlib.closing(batches(runner, step, after, head)) as each:
        return _apply(runner, step[0], after, head, each)


def batches(runner: Runner, step: Pass, after: int, head: int) -> Generator[Batch]:
    """A pass's batches of the log in (`after`, `head`], in log order: each read once,
    and prepared for all its projections in a worker process (or in this one, when the
    next is not back yet) or here."""
    together, source = step
    if source is None:
        return batches_here(runner, together, after, head)
    return batches_ahead(runner, together, source, after, head)


def batches_ahead(
    runner: Runner, together: Together, source: LogSource, after: int, head: int
) -> Generator[Batch]:
    """The batches of the log in (`after`, `head`], each prepared for all of `together`
    from one read in a worker process (`store/ahead.py`), in log order."""
    engine = runner.store.engine
    parts = slices(
        engine, after=after, until=head, types=together.types, batch_size=runner.batch_size
    )
    ready = prepared_slices(together, source, parts, workers=runner.workers, engine=engine)
    # Closed with this generator (a failed replay or catch-up): the worker processes stop
    # then, not when the garbage collector finds the failure's traceback.
    with contextlib.closing(ready):
        for part, prepared in ready:
            yield _shares(runner, together, part, prepared)


def batches_here(runner: Runner, together: Together, after: int, head: int) -> Generator[Batch]:
    """The batches of the log in (`after`, `head`], each read once here and prepared for
    all of `together`, in log order."""
    batches = runner.store.read_batches(
        after=after, types=together.types, batch_size=runner.batch_size, until=head
    )
    return (_prepared(together, batch, batch[-1].position) for batch in batches)


def _shares(runner: Runner, together: Together, part: Slice, prepared: Any) -> Batch:
    """A batch prepared ahead, as each projection's share; one whose preparing failed is
    read and prepared here, projection by projection."""
    if prepared is FAILED:
        events = runner.store.read_all(
            after=part.after, types=together.types, batch_size=part.count, until=part.last
        )
        return _prepared(together, list(events), part.last)
    return part.last, [(count, own, None) for count, own in prepared]


def _prepared(together: Together, events: Sequence[RecordedEvent], last: int) -> Batch:
    """A batch read here, up to position `last`, each projection's own events prepared
    here (FAILED if its `prepare` raised: its `apply` then meets the bad event and records
    a fault)."""
    shares: list[tuple[int, Any, Sequence[RecordedEvent] | None]] = [
        (len(own), prepared_here(projection, own) if own else FAILED, own)
        for projection, own in zip(together.projections, together.split(events), strict=True)
    ]
    return last, shares


def _apply(
    runner: Runner, together: Together, after: int, head: int, batches: Iterable[Batch]
) -> dict[str, int]:
    """Apply each batch's share to each projection (checkpoints at `after`), in log
    order, then move every checkpoint to `head`."""
    since = dict.fromkeys((p.name for p in together.projections), after)
    applied = dict.fromkeys(since, 0)
    for last, shares in batches:
        for projection, (count, prepared, own) in zip(together.projections, shares, strict=True):
            if not count:
                continue  # its checkpoint moves past them with its next batch, or at the end
            part = Slice(since[projection.name], last, count)
            applied[projection.name] += runner.apply_slice(projection, part, prepared, own)
            since[projection.name] = last
    for projection in together.projections:
        runner.move_to(projection, head)
    return applied
