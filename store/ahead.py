"""A projection's pure work on the batches of a replay or a long catch-up, done ahead in
worker processes that read their batches from the log themselves.

A replay spends most of its time in work that needs neither the view's state nor the
other batches (the feeds' decoding, classification and extraction). `Projection.prepare`
is that work. The applying process only finds where each batch starts and ends (its
positions: a few integers) and hands the range to a worker; the worker reads and decodes
the batch's events from the database, runs `prepare` on them and sends the result back;
the applying process applies the results in log order (`Projection.apply_prepared`), so
the view is built exactly as by one process. It never decodes the events nor pickles
their ~5 KB texts: with real-size articles that was half of its work, and it was the
bottleneck of a parallel replay (README, feeds benchmark).

A worker hands its result over in a file, not through the pool's pipe: the pipe holds
64 KiB, so a worker sending a batch's ~3 MB waited for the pool's thread in the applying
process to read it chunk by chunk, and that thread waited for the GIL at each chunk while
the applying process prepared a batch itself. At 20,000 real-size articles the worker sat
idle for 0.92 s of its 4.2 s that way; through a file, 0.06 s.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import tempfile
from collections import deque
from collections.abc import Generator, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Engine, func, select

from store import schema
from store.engine import make_engine
from store.events import RecordedEvent
from store.projection import Projection
from store.reads import row_batches, to_events
from store.sql import reading
from store.upcasting import Upcasters

log = logging.getLogger(__name__)


class Preparer(Protocol):
    """What worker processes prepare batches for: a projection, or several at one
    checkpoint (store/together.py)."""

    def prepare(self, events: Sequence[RecordedEvent]) -> Any: ...


@dataclass(frozen=True, slots=True)
class Slice:
    """One batch of the log: the events of the projection's types in (`after`, `last`]."""

    after: int
    last: int
    count: int


@dataclass(frozen=True, slots=True)
class LogSource:
    """What a worker process needs to read batches of the log as the store reads them."""

    url: str
    types: frozenset[str] | None
    upcasters: Upcasters

    def read(self, engine: Engine, part: Slice) -> list[RecordedEvent]:
        rows = next(
            row_batches(
                engine, after=part.after, types=self.types, batch_size=part.count, until=part.last
            ),
            [],
        )
        if len(rows) != part.count:  # the applying process then reads it and applies it
            raise RuntimeError(f"read {len(rows)} events of {part}, expected {part.count}")
        return to_events(rows, self.upcasters)


def log_source(
    engine: Engine, types: frozenset[str] | None, upcasters: Upcasters
) -> LogSource | None:
    """How worker processes can read this store's log; None if they cannot (an in-memory
    SQLite database is private to its process; an upcaster that does not pickle)."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and (url.database or ":memory:") == ":memory:":
        return None
    try:
        pickle.dumps(upcasters)
    except Exception:
        return None
    return LogSource(url.render_as_string(hide_password=False), types, upcasters)


def slices(
    engine: Engine,
    *,
    after: int,
    until: int,
    types: frozenset[str] | None,
    batch_size: int,
) -> Iterator[Slice]:
    """The log's batches as `EventStore.read_batches` makes them, as position ranges: one
    short query per batch, reading positions only (a long-open read would keep SQLite's
    WAL from being checkpointed while the replay writes)."""
    events = schema.events
    while after < until:
        page = select(events.c.position).where(events.c.position > after)
        page = page.where(events.c.position <= until)
        if types is not None:
            page = page.where(events.c.type.in_(sorted(types)))
        batch = page.order_by(events.c.position).limit(batch_size).subquery()
        with reading(engine) as conn:
            last, count = conn.execute(select(func.max(batch.c.position), func.count())).one()
        if not count:
            return
        yield Slice(after, int(last), int(count))
        after = int(last)


@dataclass(frozen=True, slots=True)
class Spilled:
    """A worker's result, pickled into a file of the replay's own temporary folder. The
    folder is the user's alone (mkdtemp makes it 0700): nobody else can put a pickle in it
    for the replaying process to load."""

    path: str

    def load(self) -> Any:
        """The result; the file is removed (the folder goes at the end in any case)."""
        with open(self.path, "rb") as file:
            data = file.read()  # in one read: the GIL is released once, not per chunk
        os.unlink(self.path)
        return pickle.loads(data)


# The worker process's state: its projection, its own connection to the log and the
# folder its results go to.
_WORKER: tuple[Preparer, LogSource, Engine, str | None] | None = None


def _start(projection: Preparer, source: LogSource, folder: str | None) -> None:
    global _WORKER
    _WORKER = (projection, source, make_engine(source.url), folder)


def _prepare(part: Slice) -> Any:
    assert _WORKER is not None
    projection, source, engine, folder = _WORKER
    prepared = projection.prepare(source.read(engine, part))
    if folder is None:  # no temporary folder could be made: through the pipe, slower
        return prepared
    path = os.path.join(folder, f"{part.after}-{part.last}.pickle")
    with open(path, "wb") as file:
        pickle.dump(prepared, file, protocol=pickle.HIGHEST_PROTOCOL)
    return Spilled(path)


#: What `prepared_slices` yields for a batch whose worker failed (`prepare` raised, the
#: pool broke): the applying process reads and applies that batch itself, recording its
#: faults as it does without workers. (`prepare` itself never returns None: that is the
#: default of a projection without one.)
FAILED = None


def prepared_slices(
    projection: Preparer,
    source: LogSource,
    parts: Iterator[Slice],
    *,
    workers: int,
    engine: Engine,
) -> Generator[tuple[Slice, Any]]:
    """Each slice with `projection.prepare` of its events, in order, computed ahead in
    `workers` processes; FAILED (None) where that raised.

    The applying process prepares batches too: whenever the next batch's result is not
    back yet, it takes the furthest batch no worker has started (reading it through
    `engine`) instead of waiting. So one worker beside it keeps two cores busy: two
    workers on two cores made three busy processes, and the CPU time each spent grew with
    the switching between them (README, feeds benchmark)."""
    # Spawned, not forked: the worker process that replays has threads of its own.
    context = multiprocessing.get_context("spawn")
    # Deep enough that, past the batches the workers hold (one running and one queued
    # each), some are always left for the applying process to take. With one worker, 5
    # left the applying process waiting 1.2 s of a 22 s replay of 100,000 real-size
    # articles, with nothing left to take; 9 left it 0.09 s.
    depth = 4 * workers + 5
    with ExitStack() as stack:
        # Entered first, so left last: the pool has stopped before its folder goes.
        folder = _spill_folder(stack)
        pool = stack.enter_context(
            ProcessPoolExecutor(
                workers, context, initializer=_start, initargs=(projection, source, folder)
            )
        )
        pending: deque[tuple[Slice, Future[Any] | None]] = deque()
        for part in parts:
            pending.append((part, _submit(pool, part)))
            if len(pending) >= depth:
                yield _result(*_ready(pending, projection, source, engine))
        while pending:
            yield _result(*_ready(pending, projection, source, engine))


def _spill_folder(stack: ExitStack) -> str | None:
    """A temporary folder for the workers' results, removed when `stack` closes; None
    (results through the pool's pipe) where none can be made, e.g. a read-only /tmp."""
    try:
        return stack.enter_context(
            tempfile.TemporaryDirectory(prefix="newsledger-replay-", ignore_cleanup_errors=True)
        )
    except OSError as exc:
        log.warning("worker results go through a pipe (no temporary folder: %s)", exc)
        return None


def _submit(pool: ProcessPoolExecutor, part: Slice) -> Future[Any] | None:
    try:
        return pool.submit(_prepare, part)
    except Exception:  # a broken pool (a worker was killed) takes no more work
        return None


def _ready(
    pending: deque[tuple[Slice, Future[Any] | None]],
    projection: Preparer,
    source: LogSource,
    engine: Engine,
) -> tuple[Slice, Future[Any] | None]:
    """The first pending batch, once prepared; until then, prepare the last ones that no
    worker has started here (a future cancelled before it starts never will)."""
    part, future = pending[0]
    while future is not None and not future.done():
        for i in range(len(pending) - 1, 0, -1):
            later, queued = pending[i]
            if queued is not None and queued.cancel():
                pending[i] = (later, _here(projection, source, engine, later))
                break
        else:
            break  # every later batch is taken: wait for the first
    pending.popleft()
    return part, future


def _here(projection: Preparer, source: LogSource, engine: Engine, part: Slice) -> Future[Any]:
    """`_prepare(part)` in this process, as a finished future."""
    done: Future[Any] = Future()
    try:
        done.set_result(projection.prepare(source.read(engine, part)))
    except Exception as exc:
        done.set_exception(exc)
    return done


def _result(part: Slice, future: Future[Any] | None) -> tuple[Slice, Any]:
    try:
        if future is None:
            raise RuntimeError("the worker processes have stopped")
        result = future.result()
        return part, result.load() if isinstance(result, Spilled) else result
    except Exception as exc:
        log.warning("events %d-%d are prepared without workers: %r", part.after + 1, part.last, exc)
        return part, FAILED


def prepared_here(projection: Projection, events: Sequence[RecordedEvent]) -> Any:
    """`projection.prepare(events)` in this process; FAILED if it has none or it raised
    (then `apply` meets the bad event, and records it as a fault)."""
    if not prepares(projection):
        return FAILED
    try:
        return projection.prepare(events)
    except Exception:
        return FAILED


def prepares(projection: Projection) -> bool:
    """Whether `projection` has pure work (`prepare`) that worker processes can do ahead."""
    return type(projection).prepare is not Projection.prepare
