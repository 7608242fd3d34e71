"""The projection process (store/follow.py), a real spawned child on SQLite and PostgreSQL:
it follows the log as it grows, answers a wait once every projection has reached the
position, leaves the views as a catch-up in this process would, and when it is gone the
caller is told and its own runner carries on."""

from __future__ import annotations

import functools
import os
import signal
import threading
import time
from collections.abc import Mapping, Sequence

import pytest
from sqlalchemy import Column, Connection, Integer, Table, func, select

from store import EventStore, NewEvent, Projection, ProjectionRunner, RecordedEvent, view_table
from store.follow import ProjectionProcess, ProjectionProcessGone
from tests.store.test_projections import StreamCounts, _fill, _view


def counting_runner(url: str) -> ProjectionRunner:
    """Built in the child (module level, so that it pickles)."""
    return ProjectionRunner(EventStore.open(url), [StreamCounts()], batch_size=7)


class Batches(Projection):
    """One row per batch it is given, and each batch costs 10 ms before its write
    transaction: as the stories view's batches cost a fixed part each (numpy passes, the
    plan's reads), which leaves a poll free to append meanwhile."""

    name = "batches"
    types = frozenset({"Counted"})

    def tables(self, generation: int) -> dict[str, Table]:
        return {
            "batches": view_table(
                "test_batches",
                generation,
                Column("first_position", Integer, primary_key=True),
                Column("events", Integer, nullable=False),
            )
        }

    def prepare(self, events: Sequence[RecordedEvent]) -> tuple[int, int]:
        time.sleep(0.01)
        return events[0].position, len(events)

    def apply_prepared(
        self, conn: Connection, tables: Mapping[str, Table], prepared: tuple[int, int]
    ) -> None:
        first, count = prepared
        conn.execute(tables["batches"].insert().values(first_position=first, events=count))

    def apply(
        self, conn: Connection, tables: Mapping[str, Table], events: Sequence[RecordedEvent]
    ) -> None:
        self.apply_prepared(conn, tables, self.prepare(events))


def batches_runner(url: str) -> ProjectionRunner:
    return ProjectionRunner(EventStore.open(url), [Batches()], batch_size=500)


def _process(url: str) -> ProjectionProcess:
    return ProjectionProcess(functools.partial(counting_runner, url), interval=0.05)


def test_the_child_follows_the_log_while_it_grows_and_answers_a_wait_at_the_head(
    store_url: str,
) -> None:
    store = EventStore.open(store_url)
    here = ProjectionRunner(store, [StreamCounts()])
    process = _process(store_url)
    process.start()
    try:
        _fill(store, 40)
        # Without being asked, the child catches up as the head moves.
        deadline = time.monotonic() + 30
        while here.checkpoint("stream_counts").position < store.head():
            assert time.monotonic() < deadline, "the child never caught up on its own"
            time.sleep(0.05)
        _fill(store, 25, start=40)
        applied = process.wait_through(store.head())
        assert here.checkpoint("stream_counts").position == store.head() == 65
        assert sum(applied.values()) == 52  # every Counted event, each applied once
        # The caller's own catch-up finds nothing left, and the view is what it would build.
        assert here.catch_up() == {"stream_counts": 0}
        expected = {f"s-{s}": sum(1 for n in range(65) if n % 7 == s and n % 5) for s in range(7)}
        assert {row[0]: row[1] for row in _view(here)} == expected
    finally:
        assert process.stop()
        store.close()
    assert not process.alive


def test_a_dead_child_is_reported_and_the_callers_runner_carries_on(sqlite_url: str) -> None:
    store = EventStore.open(sqlite_url)
    process = _process(sqlite_url)
    process.start()
    try:
        _fill(store, 10)
        process.wait_through(store.head())
        assert process.pid is not None
        os.kill(process.pid, signal.SIGKILL)
        _fill(store, 10, start=10)
        with pytest.raises(ProjectionProcessGone):
            process.wait_through(store.head())
        here = ProjectionRunner(store, [StreamCounts()])
        assert here.catch_up() == {"stream_counts": 8}
        process.start()  # started again, it finds nothing to do
        assert process.wait_through(store.head()) == {"stream_counts": 0}
    finally:
        process.stop()
        store.close()


def test_a_child_that_cannot_open_its_store_is_reported_gone(tmp_path: object) -> None:
    process = ProjectionProcess(
        functools.partial(counting_runner, f"sqlite:///{tmp_path}/missing/dir/store.db")
    )
    process.start()
    try:
        with pytest.raises(ProjectionProcessGone):
            process.wait_through(1)
    finally:
        process.stop()


def test_a_wait_is_cancelled_when_the_caller_stops(sqlite_url: str) -> None:
    store = EventStore.open(sqlite_url)
    process = _process(sqlite_url)
    process.start()
    cancel = threading.Event()
    cancel.set()
    try:
        with pytest.raises(ProjectionProcessGone, match="stopping"):
            process.wait_through(store.head() + 1000, cancel=cancel)  # a position never reached
    finally:
        process.stop()
        store.close()


def test_a_child_whose_parent_died_before_its_answer_ends_quietly(sqlite_url: str) -> None:
    store = EventStore.open(sqlite_url)
    _fill(store, 300)
    process = _process(sqlite_url)
    process.start()
    conn, child = process._conn, process._process
    assert conn is not None and child is not None
    # As a killed worker leaves it: asked for the head, then the pipe's far end is gone
    # before the child (still starting up) can answer.
    conn.send(("through", store.head()))
    conn.close()
    child.join(60)
    store.close()
    process.stop(1.0)
    assert child.exitcode == 0  # it ended on its own, without a broken-pipe traceback


def test_a_child_lets_a_log_growing_commit_by_commit_gather_into_batches(
    sqlite_url: str,
) -> None:
    """A poll appends a commit at a time; a child that caught up after each one paid each
    batch's fixed cost for a handful of events (the stories view: a third more CPU per
    article). Short of a full batch, it waits one interval before looking again."""
    store = EventStore.open(sqlite_url)
    interval = 0.2
    process = ProjectionProcess(functools.partial(batches_runner, sqlite_url), interval=interval)
    process.start()
    try:
        process.wait_through(store.head())  # started, with its view created
        start = time.monotonic()
        for n in range(400):  # one event per commit, every ~2 ms
            store.append(f"s-{n % 7}", [NewEvent("Counted", {"n": n})])
            time.sleep(0.002)
        elapsed = time.monotonic() - start
        time.sleep(interval / 2)  # most of it applied unasked, some only for the wait
        asked = time.monotonic()
        assert sum(process.wait_through(store.head()).values()) == 400
        assert time.monotonic() - asked < interval * 4  # a wait does not wait for more log
        table = ProjectionRunner(store, [Batches()]).tables("batches")["batches"]
        with store.engine.connect() as conn:
            batches, events = conn.execute(select(func.count(), func.sum(table.c.events))).one()
        assert events == 400
        # About one batch an interval (and the waited one); the code before, which chased
        # the head, applied 61 batches here.
        assert batches <= elapsed / interval + 4, (batches, elapsed)
    finally:
        process.stop()
        store.close()
