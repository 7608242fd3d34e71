"""A projection's pure work on the batches of a replay, done ahead in worker processes.

A replay spends most of its time in work that needs neither the database nor the view's
state (the feeds' classification and extraction). `Projection.prepare` is that work;
during `ProjectionRunner.replay` these worker processes run it on the next batches while
the runner's own process reads the log and applies earlier batches, and the results come
back in log order, so the view is built exactly as by one process.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

from store.events import RecordedEvent

if TYPE_CHECKING:
    from store.projection import Projection

_PROJECTION: Projection | None = None


def _start(projection: Projection) -> None:
    global _PROJECTION
    _PROJECTION = projection


def _prepare(batch: Any) -> Any:
    assert _PROJECTION is not None
    try:
        return _PROJECTION.prepare(batch)
    except Exception:  # as in `_prepared_here`: applied unprepared, the fault recorded
        return None


def prepared_batches(
    projection: Projection,
    batches: Iterable[Sequence[RecordedEvent]],
    *,
    workers: int,
) -> Iterator[tuple[Sequence[RecordedEvent], Any]]:
    """Each batch with `projection.prepare(projection.prepare_input(batch))`, in order; with
    more than one worker the preparation runs in `workers` processes, up to 2 x `workers`
    batches ahead, and only `prepare_input` is pickled to them."""
    if workers <= 1:
        for batch in batches:
            yield batch, _prepared_here(projection, batch)
        return
    # Spawned, not forked: the worker process that replays has threads of its own.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, context, initializer=_start, initargs=(projection,)) as pool:
        pending: deque[tuple[Sequence[RecordedEvent], Future[Any]]] = deque()
        for batch in batches:
            pending.append((batch, pool.submit(_prepare, projection.prepare_input(batch))))
            if len(pending) > 2 * workers:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()


def _prepared_here(projection: Projection, batch: Sequence[RecordedEvent]) -> Any:
    """`prepare` in this process; None when an event of the batch makes it raise (a poison
    event in an immutable log): the batch is then applied unprepared, and the runner
    records the event that fails as a projection fault (store/faults.py)."""
    try:
        return projection.prepare(projection.prepare_input(batch))
    except Exception:
        return None
