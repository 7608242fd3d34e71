"""An event a projection cannot apply is recorded as a fault and skipped: the view moves on,
`faults` lists it, and a replay with fixed code applies it again."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Connection, Table

from store import EventStore, NewEvent, ProjectionRunner, RecordedEvent
from tests.store.test_projections import StreamCounts, _view


class Picky(StreamCounts):
    """Raises on events whose data says `poison`, like a projection meeting bad data."""

    def __init__(self, *, fixed: bool = False) -> None:
        super().__init__()
        self.fixed = fixed

    def apply(
        self, conn: Connection, tables: Mapping[str, Table], events: Sequence[RecordedEvent]
    ) -> None:
        for event in events:
            if event.data.get("poison") and not self.fixed:
                raise KeyError("article_id")
        super().apply(conn, tables, events)


def _fill(store: EventStore, poison_at: set[int]) -> None:
    for n in range(1, 21):
        data = {"n": n, "poison": n in poison_at}
        store.append(f"s-{n % 3}", [NewEvent("Counted", data)], expected_version=None)


def test_a_poison_event_is_skipped_recorded_and_the_rest_applied(store: EventStore) -> None:
    _fill(store, {7, 13})
    runner = ProjectionRunner(store, [Picky()], batch_size=5)
    assert runner.catch_up() == {"stream_counts": 18}
    assert runner.checkpoint("stream_counts").position == 20
    assert sum(row[1] for row in _view(runner)) == 18
    faults = runner.faults("stream_counts")
    assert [(f.position, f.type) for f in faults] == [(7, "Counted"), (13, "Counted")]
    assert faults[0].error == "KeyError: 'article_id'"
    # Nothing is retried for ever: the next catch-up has nothing to do.
    assert runner.catch_up() == {"stream_counts": 0}


def test_a_replay_with_fixed_code_applies_the_faulty_events_and_clears_the_list(
    store: EventStore,
) -> None:
    _fill(store, {4})
    ProjectionRunner(store, [Picky()], batch_size=5).catch_up()
    fixed = ProjectionRunner(store, [Picky(fixed=True)], batch_size=5)
    assert len(fixed.faults("stream_counts")) == 1
    fixed.replay()
    assert fixed.faults("stream_counts") == []
    assert sum(row[1] for row in _view(fixed)) == 20


def test_a_replay_records_the_events_it_still_cannot_apply(store: EventStore) -> None:
    _fill(store, {4, 9})
    runner = ProjectionRunner(store, [Picky()], batch_size=5)
    runner.replay()
    assert [f.position for f in runner.faults("stream_counts")] == [4, 9]
    assert sum(row[1] for row in _view(runner)) == 18
