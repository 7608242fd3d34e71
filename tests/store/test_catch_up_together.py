"""Projections at one checkpoint catch up together: each batch of the log is read and
decoded once for all of them, and each view ends as if caught up alone."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from store import EventStore, ProjectionRunner, RecordedEvent
from store import ahead as ahead_module
from store.follow import GROWING_BATCHES, _look
from store.together import passes
from tests.store.test_projections import PlannedCounts, StreamCounts, _fill, _view


class IgnoredCounts(StreamCounts):
    """The same counts, of the events the other one leaves out."""

    name = "ignored_counts"
    types = frozenset({"Ignored"})
    table_name = "test_ignored_counts"


class AllCounts(StreamCounts):
    """The same counts, of every event (types None)."""

    name = "all_counts"
    types = None
    table_name = "test_all_counts"


class PlannedIgnored(PlannedCounts):
    """PlannedCounts of the events StreamCounts leaves out: a `prepare` of its own types."""

    name = "planned_ignored"
    types = frozenset({"Ignored"})
    table_name = "test_planned_ignored"


@contextmanager
def events_read(store: EventStore) -> Iterator[list[int]]:
    """The positions of the events the store reads from the log for projections (its
    `read_batches`, which decodes them), as they are read."""
    read: list[int] = []
    real = store.read_batches

    def counted(**kwargs: Any) -> Iterator[list[RecordedEvent]]:
        for batch in real(**kwargs):
            read.extend(e.position for e in batch)
            yield batch

    store.read_batches = counted  # type: ignore[method-assign]
    try:
        yield read
    finally:
        del store.read_batches


def each_as_replayed_alone(runner: ProjectionRunner, projections: list[Any]) -> None:
    """Each view is the one a replay of its projection alone, in one process, builds."""
    for projection in projections:
        before = _rows(runner, projection.name)
        alone = ProjectionRunner(runner.store, [type(projection)()], batch_size=5, workers=0)
        alone.replay(projection.name)
        assert _rows(alone, projection.name) == before


def ahead_passes(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The passes over the log that prepare ahead in worker processes, as they start: the
    projections each prepares for."""
    passes: list[list[str]] = []
    real = ahead_module.prepared_slices

    def counted(preparer: Any, *args: Any, **kwargs: Any) -> Any:
        passes.append([p.name for p in getattr(preparer, "projections", (preparer,))])
        return real(preparer, *args, **kwargs)

    monkeypatch.setattr("store.together.prepared_slices", counted)
    return passes


def _rows(runner: ProjectionRunner, name: str) -> list[tuple[Any, ...]]:
    counts = runner.tables(name)["counts"]
    with runner.store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(counts.select().order_by(counts.c.stream_id))]


def test_projections_at_one_checkpoint_read_each_batch_of_the_log_once(
    store: EventStore,
) -> None:
    _fill(store, 40)
    projections = [StreamCounts(), IgnoredCounts(), AllCounts()]
    together = ProjectionRunner(store, projections, batch_size=7)
    for projection in projections:
        together.checkpoint(projection.name)  # registered: each at position 0
    with events_read(store) as read:
        assert together.catch_up() == {"stream_counts": 32, "ignored_counts": 8, "all_counts": 40}
    assert read == list(range(1, 41))  # each event read (and decoded) once, for all three

    # Each view is the one a replay of its projection alone builds.
    views = {p.name: _rows(together, p.name) for p in projections}
    for projection in projections:
        ProjectionRunner(store, [type(projection)()], batch_size=5).replay(projection.name)
        assert _rows(together, projection.name) == views[projection.name]
    assert sum(row[1] for row in views["all_counts"]) == 40


def test_a_projection_with_no_event_in_a_batch_still_ends_at_the_head(store: EventStore) -> None:
    _fill(store, 40)
    # Batches of 3 of every event: a fifth are "Ignored", so many hold none of them.
    runner = ProjectionRunner(store, [StreamCounts(), IgnoredCounts()], batch_size=3)
    assert runner.catch_up() == {"stream_counts": 32, "ignored_counts": 8}
    assert runner.checkpoint("ignored_counts").position == 40
    assert runner.checkpoint("stream_counts").position == 40
    assert sum(row[1] for row in _rows(runner, "ignored_counts")) == 8
    _fill(store, 3, start=40)  # n = 40 is "Ignored" (every fifth), 41 and 42 "Counted"
    assert runner.catch_up() == {"stream_counts": 2, "ignored_counts": 1}
    assert runner.checkpoint("ignored_counts").position == 43


def test_a_projection_behind_the_others_catches_up_on_its_own(store: EventStore) -> None:
    _fill(store, 30)
    first = ProjectionRunner(store, [StreamCounts()], batch_size=4)
    first.catch_up()
    _fill(store, 10, start=30)
    # A new projection starts at 0, the other at 30: each reads the log from its own.
    both = ProjectionRunner(store, [StreamCounts(), IgnoredCounts()], batch_size=4)
    with events_read(store) as read:
        assert both.catch_up() == {"stream_counts": 8, "ignored_counts": 8}
    counted = [n + 1 for n in range(30, 40) if n % 5]  # (event n is at position n + 1)
    assert sorted(read) == sorted([*counted, *(n + 1 for n in range(0, 40, 5))])
    assert sum(row[1] for row in _view(both)) == 32
    assert sum(row[1] for row in _rows(both, "ignored_counts")) == 8
    assert {both.checkpoint(n).position for n in ("stream_counts", "ignored_counts")} == {40}


def test_a_view_made_by_another_version_holds_back_only_itself(store: EventStore) -> None:
    from store import StoreError
    from tests.store.test_projections import CountsWithoutLast

    _fill(store, 10)
    ProjectionRunner(store, [StreamCounts(), IgnoredCounts()]).catch_up()
    _fill(store, 10, start=10)
    # stream_counts' stored table is the earlier version's: refused until replayed; the
    # other view catches up all the same, and the error is still raised.
    upgraded = ProjectionRunner(store, [CountsWithoutLast(), IgnoredCounts()])
    with pytest.raises(StoreError, match="replay --projection stream_counts"):
        upgraded.catch_up()
    assert upgraded.checkpoint("stream_counts").position == 10
    assert upgraded.checkpoint("ignored_counts").position == 20
    assert sum(row[1] for row in _rows(upgraded, "ignored_counts")) == 4


def test_a_long_catch_up_prepares_every_view_of_a_checkpoint_ahead_from_one_read(
    store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Far behind (a large folder poll), the views' pure work is done ahead in a worker
    # process. Prepared one view at a time, each read and decoded every batch again (and
    # the stories view extracted again the meetings the topics view had just extracted).
    _fill(store, 60)
    passes = ahead_passes(monkeypatch)
    projections = [PlannedCounts(), PlannedIgnored(), AllCounts()]
    ahead = ProjectionRunner(store, projections, batch_size=7, workers=1, ahead_from=0)
    for projection in projections:
        ahead.checkpoint(projection.name)
    with events_read(store) as read:
        assert ahead.catch_up() == {
            "stream_counts": 48,
            "planned_ignored": 12,
            "all_counts": 60,
        }
    # One pass over the log for the two views with a `prepare`, in a worker process; the
    # one without reads it here, once.
    assert passes == [["stream_counts", "planned_ignored"]]
    assert read == list(range(1, 61))
    each_as_replayed_alone(ahead, projections)
    assert sum(row[1] for row in _rows(ahead, "planned_ignored")) == 12


def test_the_projection_process_stays_here_while_the_log_grows_and_goes_ahead_once_still(
    store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # While a poll appends, a few batches at a time in the child's own process (a worker
    # process would take CPU from the poll), looking again after each; ahead once the
    # head stays put. A view reading a fifth of the log applies less than a batch in a
    # few batches of positions: still behind, so the child goes on at once.
    _fill(store, 60)
    passes = ahead_passes(monkeypatch)
    runner = ProjectionRunner(store, [PlannedIgnored()], batch_size=5, workers=1, ahead_from=0)
    runner.checkpoint("planned_ignored")
    first = _look(runner, -1)  # a child just started counts as a growing log
    assert first == ({"planned_ignored": 4}, True, 60)  # 4 x 5 positions, 4 of them its own
    assert passes == []
    assert runner.checkpoint("planned_ignored").position == GROWING_BATCHES * 5
    _fill(store, 5, start=60)
    assert _look(runner, 60) == ({"planned_ignored": 4}, True, 65)  # it grew: here again
    assert passes == [] and runner.checkpoint("planned_ignored").position == 40
    assert _look(runner, 65) == ({"planned_ignored": 5}, True, 65)  # still: ahead, to the head
    assert passes == [["planned_ignored"]]
    assert runner.checkpoint("planned_ignored").position == 65
    assert _look(runner, 65) == ({"planned_ignored": 0}, False, 65)


def test_a_capped_catch_up_counts_from_the_views_it_may_extend(store: EventStore) -> None:
    from store import StoreError
    from tests.store.test_projections import CountsWithoutLast

    _fill(store, 10)
    ProjectionRunner(store, [StreamCounts(), IgnoredCounts()]).catch_up()
    _fill(store, 30, start=10)
    # stream_counts is refused (made by another version) and stays at 10; the cap counts
    # from the other view's checkpoint, so that one moves on at each call.
    upgraded = ProjectionRunner(store, [CountsWithoutLast(), IgnoredCounts()], batch_size=3)
    for end in (16, 22, 28):
        with pytest.raises(StoreError, match="replay --projection stream_counts"):
            upgraded.catch_up(batches=2)
        assert upgraded.checkpoint("ignored_counts").position == end
    assert upgraded.checkpoint("stream_counts").position == 10


def test_a_replay_of_several_views_rebuilds_them_from_one_read_of_each_batch(
    store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `newsledger replay` rebuilds every view: one pass over the log for those with a
    # `prepare` (in a worker process), one here for the others; each new generation then
    # swapped in on its own, and each view the one a replay of it alone builds.
    _fill(store, 60)
    passes = ahead_passes(monkeypatch)
    projections = [PlannedCounts(), PlannedIgnored(), AllCounts()]
    runner = ProjectionRunner(store, projections, batch_size=7, workers=1, ahead_from=0)
    runner.catch_up()
    done: list[tuple[int, int]] = []
    passes.clear()
    with events_read(store) as read:
        results = runner.replay(progress=lambda n, total: done.append((n, total)))
    assert [(r.name, r.events, r.generation) for r in results] == [
        ("stream_counts", 48, 2),
        ("planned_ignored", 12, 2),
        ("all_counts", 60, 2),
    ]
    assert passes == [["stream_counts", "planned_ignored"]]
    assert read == list(range(1, 61))  # the view without a `prepare`: read once, here
    counts = [n for n, _ in done]
    assert done[-1] == (120, 120) and counts == sorted(counts)
    each_as_replayed_alone(runner, projections)


class FaultAt4(StreamCounts):
    """Counts that cannot apply the event at position 4: a fault, the others applied."""

    def apply(self, conn: Any, tables: Any, events: Any) -> None:
        if any(e.position == 4 for e in events):
            raise ValueError("a bad event")
        super().apply(conn, tables, events)


class GoneAt15(StreamCounts):
    """Counts that lose the database at position 15 while `gone` is set."""

    name = "gone_counts"
    table_name = "test_gone_counts"
    gone = False

    def apply(self, conn: Any, tables: Any, events: Any) -> None:
        if GoneAt15.gone and any(e.position == 15 for e in events):
            from store import StoreUnavailableError

            raise StoreUnavailableError("the database went away")
        super().apply(conn, tables, events)


def test_a_replay_that_died_leaves_nothing_in_the_way_of_the_next(
    store: EventStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The views' new generations are built together, so one that dies stops them all:
    # the faults already recorded for the others' new generation (position 4 here) must
    # not collide with the next replay's faults of the same events.
    from store import StoreUnavailableError

    _fill(store, 20)
    runner = ProjectionRunner(store, [FaultAt4(), GoneAt15()], batch_size=5)
    runner.catch_up()
    monkeypatch.setattr(GoneAt15, "gone", True)
    with pytest.raises(StoreUnavailableError):
        runner.replay()
    assert runner.checkpoint("stream_counts").generation == 1
    monkeypatch.setattr(GoneAt15, "gone", False)
    results = runner.replay()
    assert [(r.name, r.generation) for r in results] == [("stream_counts", 2), ("gone_counts", 2)]
    assert [f.position for f in runner.faults("stream_counts")] == [4]


def test_the_views_that_prepare_go_ahead_together_and_the_rest_stay_here(
    store: EventStore,
) -> None:
    """`passes`, the one split a catch-up and a replay share: the views with a `prepare`
    go ahead together only when their own events are worth the worker processes; the
    others, and all of them when not ahead, are read together here."""
    views = [IgnoredCounts(), PlannedCounts(), PlannedIgnored(), AllCounts()]
    runner = ProjectionRunner(store, views, workers=1, ahead_from=10)

    def split(events: Any) -> list[tuple[list[str], bool]]:
        found = passes(runner, views, events)
        return [([p.name for p in t.projections], source is not None) for t, source in found]

    preparing = ["stream_counts", "planned_ignored"]  # PlannedCounts keeps its parent's name
    assert split(lambda together: 10 * len(together.projections)) == [
        (preparing, True),
        (["ignored_counts", "all_counts"], False),
    ]
    asked: list[list[str]] = []

    def too_few(together: Any) -> int:
        asked.append([p.name for p in together.projections])
        return 9

    everything = [p.name for p in views]
    assert split(too_few) == [(everything, False)]
    assert asked == [preparing]  # only the views that would go ahead are counted
    assert split(None) == [(everything, False)]
