"""Every driver failure leaves the store as one of its own errors: a lost or locked database
is `StoreUnavailableError` whichever store operation met it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, text

from store import (
    EventStore,
    ImmutableEventError,
    NewEvent,
    ProjectionRunner,
    StoreUnavailableError,
    make_engine,
)
from store.errors import translated
from tests.store.test_projections import StreamCounts
from tests.support.network import TcpProxy, through_proxy


def _impatient_store(url: str) -> EventStore:
    """A store on `url` that waits 50 ms, not 30 s, for another writer's lock."""
    engine = make_engine(url)

    @event.listens_for(engine, "connect")
    def _short_busy_timeout(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=50")

    return EventStore(engine)


def test_a_sqlite_database_locked_past_the_busy_timeout_is_unavailable(sqlite_url: str) -> None:
    holder = EventStore.open(sqlite_url)
    waiter = _impatient_store(sqlite_url)
    try:
        with holder._write():  # BEGIN IMMEDIATE: the write lock is held until the block ends
            with pytest.raises(StoreUnavailableError, match="locked by another writer"):
                waiter.append("s", [NewEvent("X", {})])
            with pytest.raises(StoreUnavailableError, match="database is locked"):
                waiter.leases(owner="w", ttl=timedelta(seconds=5)).acquire("name")
        assert waiter.append("s", [NewEvent("X", {})]) == [1]
    finally:
        waiter.close()
        holder.close()


def test_changing_a_stored_event_inside_the_translator_is_an_immutable_event_error(
    store: EventStore,
) -> None:
    store.append("a", [NewEvent("X", {"n": 1})])
    with (
        pytest.raises(ImmutableEventError, match="immutable"),
        translated(store.engine),
        store.engine.begin() as conn,
    ):
        conn.execute(text("UPDATE events SET data = '{}' WHERE position = 1"))
    assert store.get(1).data == {"n": 1}  # type: ignore[union-attr]


@pytest.fixture
def proxy(pg_url: str) -> Iterator[TcpProxy]:
    host, port = re.search(r"@([^:/]+):(\d+)/", pg_url).groups()  # type: ignore[union-attr]
    tcp = TcpProxy((host, int(port)))
    tcp.start()
    yield tcp
    tcp.stop()


@pytest.mark.postgres
def test_a_postgresql_outage_during_catch_up_and_leasing_is_unavailable(
    pg_url: str, proxy: TcpProxy
) -> None:
    store = EventStore.open(through_proxy(pg_url, proxy))
    runner = ProjectionRunner(store, [StreamCounts()])
    store.append("a", [NewEvent("Counted", {"n": 1})])
    assert runner.catch_up() == {"stream_counts": 1}
    leases = store.leases(owner="r1", ttl=timedelta(seconds=5))
    assert leases.acquire("source:a")
    proxy.stop()
    operations: list[Callable[[], object]] = [
        lambda: store.append("a", [NewEvent("Counted", {"n": 2})]),
        runner.catch_up,
        store.head,
        leases.renew,
        store.lease_rows,
        store.verify,
    ]
    for operation in operations:
        with pytest.raises(StoreUnavailableError, match="cannot connect to"):
            operation()
    store.close()
