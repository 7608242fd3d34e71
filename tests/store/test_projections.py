"""The projection runner: checkpoints move with the view rows, crashes resume exactly, and
replay into a fresh generation ends identical to incremental processing."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Connection, Integer, String, Table, inspect, select

from store import EventStore, NewEvent, Projection, ProjectionRunner, RecordedEvent, view_table
from store.errors import StoreError
from store.projection import Checkpoint


class Crash(BaseException):
    """The process dying mid-batch: not an error of one event, so never recorded as a fault."""


class StreamCounts(Projection):
    """Counts events per stream; can be told to crash at one position."""

    name = "stream_counts"
    types = frozenset({"Counted"})
    table_name = "test_counts"

    def __init__(self, crash_at: int | None = None) -> None:
        self.crash_at = crash_at

    def tables(self, generation: int) -> dict[str, Table]:
        return {
            "counts": view_table(
                self.table_name,
                generation,
                Column("stream_id", String(100), primary_key=True),
                Column("count", Integer, nullable=False),
                Column("last_position", Integer, nullable=False),
            )
        }

    def apply(
        self, conn: Connection, tables: Mapping[str, Table], events: Sequence[RecordedEvent]
    ) -> None:
        counts = tables["counts"]
        for event in events:
            if event.position == self.crash_at:
                raise Crash("crash in the middle of a batch")
            row = conn.execute(
                select(counts.c.count).where(counts.c.stream_id == event.stream_id)
            ).first()
            if row is None:
                conn.execute(
                    counts.insert().values(
                        stream_id=event.stream_id, count=1, last_position=event.position
                    )
                )
            else:
                conn.execute(
                    counts.update()
                    .where(counts.c.stream_id == event.stream_id)
                    .values(count=row.count + 1, last_position=event.position)
                )

    def compare(
        self, conn: Connection, old: Mapping[str, Table], new: Mapping[str, Table]
    ) -> dict[str, Any]:
        before = conn.execute(select(old["counts"].c.stream_id)).scalars().all()
        after = conn.execute(select(new["counts"].c.stream_id)).scalars().all()
        return {"streams": {"entered": len(set(after) - set(before))}}


def _fill(store: EventStore, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        kind = "Counted" if n % 5 else "Ignored"
        store.append(f"s-{n % 7}", [NewEvent(kind, {"n": n})])


def _view(runner: ProjectionRunner) -> list[tuple[Any, ...]]:
    counts = runner.tables("stream_counts")["counts"]
    with runner.store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(counts).order_by(counts.c.stream_id))]


def test_catch_up_applies_each_event_once_and_moves_the_checkpoint(store: EventStore) -> None:
    _fill(store, 40)
    runner = ProjectionRunner(store, [StreamCounts()], batch_size=6)
    assert runner.catch_up() == {"stream_counts": 32}
    assert runner.checkpoint("stream_counts").position == 40
    assert runner.lag("stream_counts") == 0
    assert runner.catch_up() == {"stream_counts": 0}
    assert sum(row[1] for row in _view(runner)) == 32


def test_a_crash_mid_batch_resumes_with_nothing_applied_twice_or_lost(store: EventStore) -> None:
    _fill(store, 40)
    crashing = ProjectionRunner(store, [StreamCounts(crash_at=23)], batch_size=6)
    with pytest.raises(Crash, match="crash"):
        crashing.catch_up()
    checkpoint = crashing.checkpoint("stream_counts").position
    assert 0 < checkpoint < 23
    partial = sum(row[1] for row in _view(crashing))
    assert partial == sum(1 for n in range(checkpoint) if n % 5)  # the failed batch left nothing

    resumed = ProjectionRunner(store, [StreamCounts()], batch_size=6)
    resumed.catch_up()
    clean_store_view = _view(resumed)
    assert sum(row[1] for row in clean_store_view) == 32
    assert resumed.checkpoint("stream_counts").position == 40


def test_replay_ends_identical_to_incremental_processing(store: EventStore) -> None:
    runner = ProjectionRunner(store, [StreamCounts()], batch_size=4)
    for round_ in range(5):
        _fill(store, 9, start=round_ * 9)
        runner.catch_up()
    incremental = _view(runner)
    [result] = runner.replay()
    assert result.generation == 2
    assert result.events == 36
    assert _view(runner) == incremental
    tables = set(inspect(store.engine).get_table_names())
    assert "test_counts_g2" in tables
    assert "test_counts_g1" not in tables


def test_events_appended_during_a_replay_end_up_in_the_new_view(store: EventStore) -> None:
    _fill(store, 20)
    runner = ProjectionRunner(store, [StreamCounts()], batch_size=5)
    runner.catch_up()
    appended = []

    def progress(done: int, total: int) -> None:
        if not appended:
            appended.append(store.append("late", [NewEvent("Counted", {})]))

    [result] = runner.replay(progress=progress)
    assert ("late", 1, 21) in _view(runner)
    assert result.changes == {"streams": {"entered": 1}}
    assert runner.checkpoint("stream_counts").position == 21


def test_a_second_replay_while_one_runs_is_refused_and_the_views_stay_whole(
    store: EventStore,
) -> None:
    _fill(store, 30)
    runner = ProjectionRunner(store, [StreamCounts()], batch_size=5)
    runner.catch_up()
    before = _view(runner)
    refused: list[str] = []

    def progress(done: int, total: int) -> None:
        if not refused:  # another operator's replay, while this one builds generation 2
            other = ProjectionRunner(store, [StreamCounts()], batch_size=5)
            with pytest.raises(StoreError, match="another replay of projection 'stream_counts'"):
                other.replay()
            refused.append("once")

    [result] = runner.replay(progress=progress)
    assert refused and result.generation == 2
    assert _view(runner) == before
    assert {"test_counts_g2"} <= set(inspect(store.engine).get_table_names())
    # Done, the claim is given back: the next replay runs.
    [again] = ProjectionRunner(store, [StreamCounts()], batch_size=5).replay()
    assert again.generation == 3 and _view(runner) == before


class OtherCounts(StreamCounts):
    """The same view under another name, as the worker's views replay one after another."""

    name = "other_counts"
    table_name = "test_other_counts"


def test_a_replay_of_several_views_refused_at_one_rebuilds_none_of_them(
    store: EventStore,
) -> None:
    """`newsledger replay` beside a replay of the topics view was refused at topics, but
    had rebuilt the views before it in the list first."""
    _fill(store, 20)
    runner = ProjectionRunner(store, [OtherCounts(), StreamCounts()], batch_size=5)
    runner.catch_up()
    refused: list[str] = []

    def progress(done: int, total: int) -> None:
        if not refused:  # another operator replays every view meanwhile
            other = ProjectionRunner(store, [OtherCounts(), StreamCounts()], batch_size=5)
            with pytest.raises(StoreError, match="another replay of projection 'stream_counts'"):
                other.replay()
            refused.append("once")

    [result] = runner.replay("stream_counts", progress=progress)
    assert refused and result.generation == 2
    assert runner.checkpoint("other_counts").generation == 1  # not rebuilt by the refused one
    # Its claims were given back with the refusal: replaying every view now runs.
    results = ProjectionRunner(store, [OtherCounts(), StreamCounts()], batch_size=5).replay()
    assert [r.generation for r in results] == [2, 3]


def test_the_replay_claim_is_renewed_while_a_replay_outlasts_it(
    store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time
    from datetime import timedelta

    import store.replay_claim as claim

    # Renewed ten times a life: a loaded CI machine left a 0.05 s renewal of a 0.4 s claim
    # unrun for its whole life once (the suite beside it), and the claim ran out.
    monkeypatch.setattr(claim, "REPLAY_TTL", timedelta(seconds=1.0))
    monkeypatch.setattr(claim, "RENEW", 0.1)
    _fill(store, 10)
    runner = ProjectionRunner(store, [StreamCounts()], batch_size=5)
    refused: list[str] = []

    def progress(done: int, total: int) -> None:
        if not refused:
            time.sleep(2.5)  # a slow step: two and a half times the claim's life
            with pytest.raises(StoreError, match="another replay"):
                ProjectionRunner(store, [StreamCounts()], batch_size=5).replay()
            refused.append("once")

    runner.replay(progress=progress)
    assert refused


def test_two_runners_catching_up_at_once_apply_each_event_once(store: EventStore) -> None:
    _fill(store, 60)
    runners = [ProjectionRunner(store, [StreamCounts()], batch_size=3) for _ in range(2)]
    runners[0].checkpoint("stream_counts")
    threads = [threading.Thread(target=r.catch_up) for r in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(row[1] for row in _view(runners[0])) == 48


def _register_at_once(runners: list[ProjectionRunner], name: str) -> list[object]:
    """Each runner's first `checkpoint(name)` (or its error), all started at one moment."""
    barrier = threading.Barrier(len(runners))
    got: list[object] = []

    def register(runner: ProjectionRunner) -> None:
        barrier.wait()
        try:
            got.append(runner.checkpoint(name))
        except Exception as exc:
            got.append(exc)

    threads = [threading.Thread(target=register, args=(r,)) for r in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return got


def test_runners_registering_a_projection_at_once_all_get_its_first_checkpoint(
    store: EventStore,
) -> None:
    # Replicas' projection processes start together: on PostgreSQL two concurrent
    # CREATE TABLE IF NOT EXISTS collide (a unique violation in pg_type), so one
    # registration failed and was retried later.
    for round_ in range(4):
        projection = type(
            f"Counts{round_}",
            (StreamCounts,),
            {"name": f"counts_{round_}", "table_name": f"test_counts_{round_}"},
        )
        runners = [ProjectionRunner(store, [projection()]) for _ in range(6)]
        got = _register_at_once(runners, projection.name)
        assert got == [Checkpoint(projection.name, 0, 1)] * len(runners)


class PlannedCounts(StreamCounts):
    """StreamCounts whose batches are prepared, then planned before the write transaction
    (`Projection.plan`); `during_plan` runs inside the first plan."""

    def __init__(self, during_plan: Any = None) -> None:
        super().__init__()
        self.during_plan = during_plan
        self.planned = self.forgotten = 0

    def prepare(self, events: Sequence[RecordedEvent]) -> list[RecordedEvent]:
        return list(events)

    def plan(self, conn: Connection, tables: Mapping[str, Table], prepared: Any) -> Any:
        self.planned += 1
        if self.during_plan is not None:
            during, self.during_plan = self.during_plan, None
            during()
        return ("planned", prepared)

    def apply_prepared(self, conn: Connection, tables: Mapping[str, Table], prepared: Any) -> None:
        self.apply(conn, tables, prepared[1] if prepared[0] == "planned" else prepared)

    def forget(self) -> None:
        self.forgotten += 1


def test_a_projections_plan_runs_before_the_write_lock_is_taken(tmp_path: Path) -> None:
    # On SQLite the write transaction is the log's one write lock: a plan made inside it
    # would hold a poll's appends back. Another connection takes the lock during the plan,
    # without waiting. (SQLite only: PostgreSQL's writers of other tables never wait.)
    path = str(tmp_path / "store.db")
    store = EventStore.open(f"sqlite:///{path}")
    _fill(store, 12)
    taken: list[str] = []

    def take_the_write_lock() -> None:
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            taken.append("free")
        finally:
            other.close()

    projection = PlannedCounts(during_plan=take_the_write_lock)
    runner = ProjectionRunner(store, [projection], batch_size=50)
    try:
        assert runner.catch_up() == {"stream_counts": 9}
    finally:
        store.close()
    assert taken == ["free"] and projection.planned == 1 and projection.forgotten == 0


def test_a_plan_made_for_a_checkpoint_another_runner_moved_is_dropped(store: EventStore) -> None:
    _fill(store, 30)
    other = ProjectionRunner(store, [StreamCounts()], batch_size=100)
    projection = PlannedCounts(during_plan=other.catch_up)  # it applies everything first
    runner = ProjectionRunner(store, [projection], batch_size=100)
    runner.catch_up()
    assert projection.planned == 1 and projection.forgotten == 1
    assert sum(row[1] for row in _view(runner)) == 24  # each event applied once
    assert runner.checkpoint("stream_counts").position == 30


def test_an_unknown_projection_name_is_a_clear_error(store: EventStore) -> None:
    from store import StoreError

    runner = ProjectionRunner(store, [StreamCounts()])
    with pytest.raises(StoreError, match="unknown projection 'nope'"):
        runner.replay("nope")


class CountsWithoutLast(StreamCounts):
    """The same projection in a later version whose table lost a NOT NULL column."""

    def tables(self, generation: int) -> dict[str, Table]:
        [old] = super().tables(generation).values()
        kept = [Column(c.name, c.type, primary_key=c.primary_key) for c in old.columns]
        return {"counts": view_table(self.table_name, generation, *kept[:2])}

    def apply(
        self, conn: Connection, tables: Mapping[str, Table], events: Sequence[RecordedEvent]
    ) -> None:
        counts = tables["counts"]
        for event in events:
            conn.execute(counts.insert().values(stream_id=f"{event.position}", count=1))


def test_view_tables_made_by_another_version_are_refused_until_a_replay(store: EventStore) -> None:
    from store import StoreError

    _fill(store, 10)
    ProjectionRunner(store, [StreamCounts()]).catch_up()
    _fill(store, 5, start=10)
    upgraded = ProjectionRunner(store, [CountsWithoutLast()])
    # Writing on would fail each batch and skip its events as faults: refused, none skipped.
    with pytest.raises(StoreError, match=r"last_position differ.*replay --projection stream_c"):
        upgraded.catch_up()
    assert upgraded.checkpoint("stream_counts").position == 10
    assert upgraded.faults("stream_counts") == []
    upgraded.replay("stream_counts")
    assert upgraded.catch_up() == {"stream_counts": 0}
    _fill(store, 5, start=15)
    assert upgraded.catch_up() == {"stream_counts": 4}
    assert upgraded.faults("stream_counts") == []


class CountsWithMore(StreamCounts):
    """A later version with a new column, or a new table, the stored generation lacks."""

    def __init__(self, *, table: bool) -> None:
        super().__init__()
        self.table = table

    def tables(self, generation: int) -> dict[str, Table]:
        [old] = super().tables(generation).values()
        if self.table:
            extra = view_table("test_extra", generation, Column("id", Integer, primary_key=True))
            return {"counts": old, "extra": extra}
        columns = [Column(c.name, c.type, primary_key=c.primary_key) for c in old.columns]
        return {
            "counts": view_table(self.table_name, generation, *columns, Column("note", String(9)))
        }


@pytest.mark.parametrize("table", [False, True], ids=["new column", "new table"])
def test_view_tables_lacking_what_another_version_defines_are_refused(
    store: EventStore, table: bool
) -> None:
    from store import StoreError

    _fill(store, 10)
    ProjectionRunner(store, [StreamCounts()]).catch_up()
    _fill(store, 5, start=10)
    upgraded = ProjectionRunner(store, [CountsWithMore(table=table)])
    missing = "its table" if table else "columns note"
    with pytest.raises(StoreError, match=f"test_(extra|counts)_g1 .*{missing} differ"):
        upgraded.catch_up()
    assert upgraded.faults("stream_counts") == []
    upgraded.replay("stream_counts")
    assert upgraded.checkpoint("stream_counts").position == 15


def test_a_view_whose_tables_were_dropped_by_hand_is_replayed_without_comparing(
    store: EventStore, caplog: pytest.LogCaptureFixture
) -> None:
    """`replay` compares the old generation with the new one (what entered, what left):
    with the old tables dropped by hand, that read failed and the view could not be rebuilt,
    though replaying is the way to rebuild a damaged view."""
    _fill(store, 12)
    runner = ProjectionRunner(store, [StreamCounts()], batch_size=5)
    runner.catch_up()
    expected = _view(runner)
    with store.engine.begin() as conn:
        runner.tables("stream_counts")["counts"].drop(conn)
    with caplog.at_level("WARNING", logger="newsledger.store"):
        [result] = runner.replay()
    assert result.changes == {}
    assert "were missing" in caplog.text
    assert _view(runner) == expected
