"""A projection process: the projections caught up in a child process while the log grows.

Catching up after each poll, in the process that polls, made a long poll (a folder of
100,000 files) cost twice its time: first the ingest, then as long a catch-up, while the
ingest had left part of the second core idle (its recorder keeps one core busy, its reader
process about half of the other). This child follows the log instead: whenever the head
moves it applies what is new, in batches (it lets a log growing a commit at a time gather
first, `_more_waiting`), on the time the poll leaves idle and beside it; the publisher
asks it to reach a position and finds most of the work done. It runs at the worker's own
CPU priority unless told otherwise (`niceness`): the feeds wait for the projections.

The child owns the projections' state in memory (the stories grouper). The caller keeps its
own runner for reading and as the fallback when the child is gone: two runners applying at
once stay correct, since each batch's transaction re-reads the checkpoint and applies only
what is past it (store/projections.py).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import multiprocessing
import os
import signal
import threading
from collections import Counter
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from store.errors import StoreError, StoreUnavailableError
from store.projections import ProjectionRunner

log = logging.getLogger("newsledger.store")

#: Builds, in the child, the runner whose projections it keeps up to date. It is pickled to
#: the child (spawned, not forked: the parent has threads), so a module-level function or a
#: `functools.partial` of one.
RunnerFactory = Callable[[], ProjectionRunner]


class ProjectionProcessGone(StoreError):
    """The projection process is not running (it died, or it is being stopped)."""


class ProjectionProcess:
    """A child process applying new events to the projections of `factory()`'s runner.

    `interval` is how often an idle child looks at the head, and how long it lets the log
    grow after a catch-up short of a full batch (`_more_waiting`); `niceness` is added to its CPU
    priority. By default none: the feeds are published once the projections have caught
    up, so a poll that runs ahead of them finishes nothing sooner for a reader. A folder
    of 100,000 articles was grouped 47.5-53.1 s after the poll began at equal priority,
    50.8-57.9 s with the child at +10 (docs/stories.md, end to end). Thread-safe.
    """

    def __init__(
        self, factory: RunnerFactory, *, interval: float = 0.25, niceness: int = 0
    ) -> None:
        self._factory = factory
        self._interval = interval
        self._niceness = niceness
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._conn: Connection | None = None
        self._process: multiprocessing.process.BaseProcess | None = None
        self._registered = False  # its stop is registered to run at the interpreter's exit
        self._stopped = False  # stopped for good: a late `start` (a racing publish) is ignored

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    @property
    def stopped(self) -> bool:
        """`stop` was called: it will not start again."""
        return self._stopped

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        """Start the child (again, if it died); never once `stop` was called."""
        with self._lock:
            if self.alive or self._stopped:
                return
            self._closing.clear()
            context = multiprocessing.get_context("spawn")
            parent, child = context.Pipe()
            process = context.Process(
                target=_follow,
                args=(self._factory, child, self._interval, self._niceness),
                name="newsledger-projections",
                # Not a daemon: a daemonic process may not start processes, and a long
                # catch-up prepares in worker processes (store/ahead.py). It still ends with
                # its parent: at exit (below), or when its pipe closes.
                daemon=False,
            )
            process.start()
            child.close()
            self._conn, self._process = parent, process
            if not self._registered:
                atexit.register(self.stop, 1.0)
                self._registered = True

    def wait_through(
        self, position: int, *, cancel: threading.Event | None = None
    ) -> dict[str, int]:
        """Wait until every projection has applied the log up to `position`; returns the
        events the child applied, per projection, since the last call. Raises the child's
        error (StoreUnavailableError when the database is unreachable, else StoreError), or
        ProjectionProcessGone when it is not running or `cancel` is set."""
        with self._lock:
            conn, process = self._conn, self._process
            if conn is None or process is None or not process.is_alive():
                raise ProjectionProcessGone("the projection process is not running")
            try:
                conn.send(("through", position))
                while True:
                    if self._closing.is_set() or (cancel is not None and cancel.is_set()):
                        raise ProjectionProcessGone("the projection process is stopping")
                    if conn.poll(0.1):
                        kind, through, detail = conn.recv()
                        if kind == "error":
                            unavailable, message = detail
                            raise (StoreUnavailableError if unavailable else StoreError)(message)
                        if through >= position:  # an answer to an earlier, cancelled wait
                            return dict(detail)
                    elif not process.is_alive():
                        self._forget()
                        raise ProjectionProcessGone(
                            f"the projection process ended (exit code {process.exitcode})"
                        )
            except (EOFError, OSError) as exc:
                self._forget()
                raise ProjectionProcessGone(f"the projection process is gone: {exc}") from exc

    def _forget(self) -> None:
        """Drop a child found gone: its pipe broke, so it is dying even if the kernel has
        not reaped it yet (`is_alive` would still say yes, and `start` would keep it)."""
        conn, process = self._conn, self._process
        self._conn = self._process = None
        if conn is not None:
            conn.close()
        if process is not None:
            process.join(1.0)
            if process.is_alive():
                process.kill()

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop the child after the batch it is applying (a batch is one transaction, so
        killing it would lose nothing either); True if it ended within `timeout`."""
        self._closing.set()
        with self._lock:
            self._stopped = True
            conn, process = self._conn, self._process
            self._conn = self._process = None
        if self._registered:
            atexit.unregister(self.stop)
            self._registered = False
        if process is None:
            return True
        if conn is not None:
            with contextlib.suppress(OSError, ValueError):
                conn.send(("stop", 0, None))
        process.join(timeout)
        ended = not process.is_alive()
        if not ended:
            process.terminate()
            process.join(1.0)
        if conn is not None:
            conn.close()
        return ended


def _follow(factory: RunnerFactory, conn: Connection, interval: float, niceness: int) -> None:
    """The child: catch up, answer a waiting parent, sleep while nothing is new."""
    # The parent decides when to stop (a Ctrl-C reaches the whole process group); its
    # SIGTERM unwinds, so that a catch-up's prepare workers are shut down, not orphaned.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_signal)
    if niceness:
        with contextlib.suppress(OSError):
            os.nice(niceness)
    runner = factory()
    applied: Counter[str] = Counter()
    wanted: int | None = None
    failures = 0
    seen = -1  # the head at the last look
    while True:
        busy, error, through = False, None, 0
        try:
            done, busy, seen = _look(runner, seen)
            applied.update(done)
            failures = 0
            if wanted is not None:
                positions = [runner.checkpoint(n).position for n in runner.projections]
                through = min(positions, default=wanted)
        except Exception as exc:  # reported to a waiting parent, tried again after a pause
            failures += 1
            error = (isinstance(exc, StoreUnavailableError), f"{exc}")
            if failures == 1:
                log.warning("projection process: catching up failed", extra={"error": f"{exc}"})
        if wanted is not None:
            try:
                if error is not None:
                    conn.send(("error", wanted, error))
                    wanted = None
                elif through >= wanted:
                    conn.send(("done", through, dict(applied)))
                    applied.clear()
                    wanted = None
            except OSError:  # the parent is gone (killed): nobody to answer, so end
                return
        pause = 0.0 if busy else interval * min(2**failures, 40)
        if conn.poll(pause):
            try:
                kind, position, _ = _message(conn.recv())
            except EOFError:  # the parent is gone
                return
            if kind == "stop":
                return
            wanted = position if wanted is None else max(wanted, position)


#: Batches of positions a catch-up applies at most while the log grows: it then looks again.
GROWING_BATCHES = 4


def _look(runner: ProjectionRunner, seen: int) -> tuple[dict[str, int], bool, int]:
    """One catch-up of the child, given the head it saw at its last look (-1: none yet):
    the events applied, whether to catch up again at once, and the head seen now.

    While the head moves between two looks (a poll appends; a child just started counts
    as one), it catches up in this process, a few batches at a time. A long catch-up
    otherwise prepares in a worker process (a folder poll of 100,000 files leaves the
    child tens of thousands of events behind), and that third busy process took CPU from
    the poll's two (docs/worker.md, "Worker processes only once the log is still"). Once
    the head stays put, a catch-up still 20,000 events behind goes ahead on every core.
    """
    head = runner.store.head()
    growing = head != seen
    done = runner.catch_up(  # its configuration is the worker's
        rebuild=True, batches=GROWING_BATCHES if growing else None, ahead=not growing
    )
    busy = _more_waiting(done, runner.batch_size)
    if growing and not busy:
        # A view that reads a few of the log's types applies less than a batch in a few
        # batches of positions: behind all the same if its checkpoint is.
        lowest = min((runner.checkpoint(n).position for n in runner.projections), default=head)
        busy = head - lowest >= runner.batch_size
    return done, busy, head


def _more_waiting(done: dict[str, int], batch_size: int) -> bool:
    """Whether to catch up again at once: only after a full batch, when more is likely
    waiting. A catch-up that applied less had reached the head, which a poll moves a commit
    (~65 articles) at a time: caught up commit by commit, the stories view spent a third
    more CPU per article than in batches of 1,000 (docs/worker.md, "Batches while
    following"): CPU the poll beside it needs. So the child lets the log grow for one
    `interval` first, unless a parent asks it to reach a position (its message wakes it)."""
    return any(count >= batch_size for count in done.values())


def _exit_on_signal(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)


def _message(value: Any) -> tuple[str, int, Any]:
    kind, position, *rest = value
    return str(kind), int(position), rest[0] if rest else None
