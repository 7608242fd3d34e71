"""A view is extended only by a projection with the settings it was built with: one built
with other rules is refused, or rebuilt by a runner allowed to (the worker, `publish`), and
a runner never rebuilds a view back once another process rebuilt it with its own rules."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Column, Connection, Integer, String, Table, select, update

from store import (
    EventStore,
    NewEvent,
    Projection,
    ProjectionRunner,
    RecordedEvent,
    ViewOutdatedError,
    catch_up_or_stale,
    view_table,
)
from store.errors import StoreError
from store.faults import list_faults
from store.fingerprints import digest
from store.leases import Leases
from store.replay_claim import REPLAY_LEASE, REPLAY_TTL
from store.schema import projection_checkpoints


class Scaled(Projection):
    """Stores each event's number times `factor`: its rows depend on a setting, as topic
    rules decide a topics view's. `on_plan` runs while a batch is planned (before its write
    transaction), so a test can act between the runner's check and its write."""

    name = "scaled"
    types = frozenset({"Counted"})

    def __init__(self, factor: int, on_plan: Callable[[], None] | None = None) -> None:
        self.factor = factor
        self.on_plan = on_plan

    def fingerprint(self) -> str:
        return f"factor={self.factor}"

    def tables(self, generation: int) -> dict[str, Table]:
        return {
            "values": view_table(
                "test_scaled",
                generation,
                Column("position", Integer, primary_key=True, autoincrement=False),
                Column("stream_id", String(100), nullable=False),
                Column("value", Integer, nullable=False),
            )
        }

    def prepare(self, events: Sequence[RecordedEvent]) -> list[tuple[int, str, int]]:
        return [(e.position, e.stream_id, e.data["n"] * self.factor) for e in events]

    def plan(self, conn: Connection, tables: Mapping[str, Table], prepared: Any) -> Any:
        if self.on_plan is not None:
            self.on_plan()
        return prepared

    def apply_prepared(self, conn: Connection, tables: Mapping[str, Table], prepared: Any) -> None:
        rows = [{"position": p, "stream_id": s, "value": v} for p, s, v in prepared]
        if rows:
            conn.execute(tables["values"].insert(), rows)

    def apply(
        self, conn: Connection, tables: Mapping[str, Table], events: Sequence[RecordedEvent]
    ) -> None:
        self.apply_prepared(conn, tables, self.prepare(events))


def _append(store: EventStore, numbers: range) -> None:
    for n in numbers:
        store.append(f"s-{n}", [NewEvent("Counted", {"n": n})])


def _view(runner: ProjectionRunner) -> list[tuple[Any, ...]]:
    table = runner.tables("scaled")["values"]
    with runner.store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(table).order_by(table.c.position))]


@pytest.fixture
def elsewhere(store: EventStore) -> Iterator[EventStore]:
    """The same store opened by another process: what this process remembers of the
    views it extended is not shared with it."""
    other = EventStore.open(store.engine.url.render_as_string(hide_password=False))
    yield other
    other.close()


def _built_alone(store: EventStore, factor: int) -> list[tuple[Any, ...]]:
    """The view a runner with `factor` alone builds from the whole log (a replay)."""
    runner = ProjectionRunner(store, [Scaled(factor)], batch_size=3)
    runner.replay("scaled")
    return _view(runner)


def test_a_view_built_with_other_settings_is_refused_not_extended(store: EventStore) -> None:
    _append(store, range(1, 6))
    ProjectionRunner(store, [Scaled(2)], batch_size=3).catch_up()
    _append(store, range(6, 9))
    before = ProjectionRunner(store, [Scaled(2)])
    built = _view(before)
    position = before.checkpoint("scaled").position

    changed = ProjectionRunner(store, [Scaled(3)], batch_size=3)
    with pytest.raises(
        ViewOutdatedError,
        match=r"view 'scaled' was built with other rules.*"
        r"newsledger replay --projection scaled",
    ):
        changed.catch_up()

    assert _view(changed) == built  # nothing of the new factor was added to the old rows
    assert changed.checkpoint("scaled").position == position
    assert list_faults(store.engine, "scaled", changed.checkpoint("scaled").generation) == []


def test_a_runner_allowed_to_rebuild_replays_the_view_into_the_one_its_settings_build(
    store: EventStore, caplog: pytest.LogCaptureFixture
) -> None:
    _append(store, range(1, 6))
    ProjectionRunner(store, [Scaled(2)], batch_size=3).catch_up()
    _append(store, range(6, 9))

    changed = ProjectionRunner(store, [Scaled(3)], batch_size=3)
    with caplog.at_level(logging.WARNING, logger="store.projections"):
        changed.catch_up(rebuild=True)

    assert "view 'scaled' was built with other rules or code: rebuilding it" in caplog.text
    got = _view(changed)
    assert [value for _, _, value in got] == [3 * n for n in range(1, 9)]
    checkpoint = changed.checkpoint("scaled")
    assert (checkpoint.position, checkpoint.generation) == (store.head(), 2)
    assert checkpoint.fingerprint == digest(Scaled(3))
    # Extended from now on, not rebuilt again.
    _append(store, range(9, 11))
    assert changed.catch_up(rebuild=True) == {"scaled": 2}
    assert changed.checkpoint("scaled").generation == 2
    assert _view(changed) == _built_alone(store, 3)  # the rows a replay with its settings builds


def test_a_runner_never_rebuilds_back_a_view_another_process_rebuilt_with_its_own_rules(
    store: EventStore, elsewhere: EventStore
) -> None:
    _append(store, range(1, 4))
    old = ProjectionRunner(store, [Scaled(2)], batch_size=3)
    old.catch_up(rebuild=True)  # a worker with the old rules, working on the view
    new = ProjectionRunner(elsewhere, [Scaled(5)], batch_size=3)
    new.catch_up(rebuild=True)  # a worker started with new rules: rebuilds it
    _append(store, range(4, 6))

    # The old worker would rebuild it back, and the two would take turns: it refuses.
    with pytest.raises(ViewOutdatedError, match=r"rebuilt by another process.*reload"):
        old.catch_up(rebuild=True)
    new.catch_up(rebuild=True)
    assert [value for _, _, value in _view(new)] == [5 * n for n in range(1, 6)]
    assert new.checkpoint("scaled").generation == 2


def test_a_batch_planned_before_another_process_rebuilt_the_view_is_not_written_into_it(
    store: EventStore, elsewhere: EventStore
) -> None:
    _append(store, range(1, 4))
    rebuilt = False

    def rebuild_meanwhile() -> None:
        nonlocal rebuilt
        if not rebuilt:  # between this runner's check and its write transaction
            rebuilt = True
            ProjectionRunner(elsewhere, [Scaled(7)], batch_size=3).catch_up(rebuild=True)

    runner = ProjectionRunner(store, [Scaled(2, on_plan=rebuild_meanwhile)], batch_size=3)
    runner.checkpoint("scaled")
    runner.fingerprints.check("scaled", digest(Scaled(2)))  # the view is this runner's
    _append(store, range(4, 7))

    with pytest.raises(ViewOutdatedError):
        runner.catch_up()

    assert rebuilt
    assert [value for _, _, value in _view(runner)] == [7 * n for n in range(1, 7)]
    generation = runner.checkpoint("scaled").generation
    assert list_faults(store.engine, "scaled", generation) == []  # refused, not skipped


def test_a_view_built_before_fingerprints_were_kept_counts_as_built_otherwise(
    store: EventStore,
) -> None:
    _append(store, range(1, 4))
    ProjectionRunner(store, [Scaled(2)]).catch_up()
    with store.engine.begin() as conn:  # what the migration leaves in an older store's row
        conn.execute(update(projection_checkpoints).values(fingerprint=None))
    upgraded = EventStore.open(store.engine.url.render_as_string(hide_password=False))

    with pytest.raises(ViewOutdatedError):
        ProjectionRunner(upgraded, [Scaled(2)]).catch_up()
    runner = ProjectionRunner(upgraded, [Scaled(2)])
    runner.catch_up(rebuild=True)
    assert runner.checkpoint("scaled").fingerprint == digest(Scaled(2))
    assert [value for _, _, value in _view(runner)] == [2, 4, 6]
    upgraded.close()  # (the upgraded code, in a process of its own)


def test_a_command_that_only_shows_a_view_built_otherwise_shows_it_as_it_stands(
    store: EventStore, caplog: pytest.LogCaptureFixture
) -> None:
    _append(store, range(1, 4))
    ProjectionRunner(store, [Scaled(2)]).catch_up()
    _append(store, range(4, 6))
    shown = ProjectionRunner(store, [Scaled(3)])

    with caplog.at_level(logging.WARNING, logger="store.stale"):
        assert catch_up_or_stale(shown) == {}

    assert "view 'scaled' was built with other rules" in caplog.text
    assert "shown as they stand, 2 events behind the log" in caplog.text
    assert [value for _, _, value in _view(shown)] == [2, 4, 6]


def test_a_process_that_worked_on_a_view_does_not_rebuild_it_back_with_a_new_runner(
    store: EventStore, elsewhere: EventStore
) -> None:
    """`serve --refresh` builds a runner per refresh: as a per-runner memory, each was a
    first look, and it took turns with a worker of other rules every few seconds."""
    _append(store, range(1, 4))
    ProjectionRunner(store, [Scaled(2)]).catch_up(rebuild=True)  # this process's first
    ProjectionRunner(elsewhere, [Scaled(5)]).catch_up(rebuild=True)  # a worker, newer rules
    _append(store, range(4, 6))

    with pytest.raises(ViewOutdatedError, match="rebuilt by another process"):
        ProjectionRunner(store, [Scaled(2)]).catch_up(rebuild=True)  # the next refresh
    assert [value for _, _, value in _view(ProjectionRunner(store, [Scaled(5)]))] == [
        5 * n for n in range(1, 4)
    ]


def test_a_process_reloaded_back_to_its_earlier_settings_rebuilds_the_view_again(
    store: EventStore,
) -> None:
    """Rules R1, a reload to R2, a reload back to R1, in one worker process: remembering
    every setting it had used refused R1 for good, as if another process held the view."""
    _append(store, range(1, 4))
    for factor in (2, 3, 2):
        runner = ProjectionRunner(store, [Scaled(factor)])
        runner.catch_up(rebuild=True)
        assert [value for _, _, value in _view(runner)] == [factor * n for n in range(1, 4)]


def _replay_claim(store: EventStore, pid: int, *, renewed_ago: timedelta) -> None:
    """The claim a replay of process `pid` of this host holds (store/rebuild.py), last
    renewed `renewed_ago`."""
    owner = f"{socket.gethostname()}:{pid}:0badc0de"
    before = Leases(store.engine, owner="test", ttl=REPLAY_TTL)
    if (claim := before.find(REPLAY_LEASE + "scaled")) is not None:
        before.free_owner(claim.owner)  # the test's claim before this one
    start = datetime.now(UTC) - renewed_ago
    leases = Leases(store.engine, owner=owner, ttl=REPLAY_TTL, clock=lambda: start)
    assert leases.acquire(REPLAY_LEASE + "scaled")


def _dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout)


def test_the_claim_of_a_replay_killed_on_this_host_is_freed_once_it_missed_a_renewal(
    store: EventStore,
) -> None:
    """A rebuild killed mid-way (the worker's start-up, OOM) held its claim for its whole
    ten minutes: every later rebuild, and so every publish, was refused meanwhile."""
    _append(store, range(1, 4))
    runner = ProjectionRunner(store, [Scaled(2)])
    runner.catch_up()
    dead = _dead_pid()
    _replay_claim(store, dead, renewed_ago=timedelta(seconds=5))  # just renewed: waited out
    with pytest.raises(StoreError, match="another replay of projection 'scaled' is running"):
        runner.replay("scaled")
    _replay_claim(store, os.getpid(), renewed_ago=timedelta(minutes=3))  # alive here: kept
    with pytest.raises(StoreError, match="another replay"):
        runner.replay("scaled")
    _replay_claim(store, dead, renewed_ago=timedelta(minutes=3))  # dead and late: freed
    [result] = runner.replay("scaled")
    assert result.generation == 2
