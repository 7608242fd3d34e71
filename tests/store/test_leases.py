"""Leases: one owner per name at a time, expiry hands names over, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from store import EventStore, Leases
from store.migrate import schema_state


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 2, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def leases_for(store: EventStore, owner: str, clock: Clock, ttl: float = 30) -> Leases:
    return Leases(store.engine, owner=owner, ttl=timedelta(seconds=ttl), clock=clock)


def test_the_migration_creates_the_lease_table_at_revision_0002(store: EventStore) -> None:
    assert schema_state(store.engine).current >= "0002"  # later revisions keep it
    assert leases_for(store, "a", Clock()).all() == []


def test_a_free_name_is_claimed_and_a_held_one_is_refused(store: EventStore) -> None:
    clock = Clock()
    a, b = leases_for(store, "worker-a", clock), leases_for(store, "worker-b", clock)
    assert a.acquire("source:vnexpress")
    assert not b.acquire("source:vnexpress")
    assert a.held() == ["source:vnexpress"]
    assert b.held() == []
    [lease] = a.all()
    assert lease.owner == "worker-a"
    assert lease.expires_at == clock.now + timedelta(seconds=30)


def test_an_expired_lease_is_taken_over_by_another_owner(store: EventStore) -> None:
    clock = Clock()
    a, b = leases_for(store, "worker-a", clock), leases_for(store, "worker-b", clock)
    assert a.acquire("source:laonews")
    clock.advance(29)
    assert not b.acquire("source:laonews")
    clock.advance(2)
    assert b.acquire("source:laonews")
    assert a.held() == []
    assert a.renew() == []  # the old owner learns it lost the lease


def test_renewing_extends_only_what_the_owner_holds(store: EventStore) -> None:
    clock = Clock()
    a, b = leases_for(store, "worker-a", clock), leases_for(store, "worker-b", clock)
    a.acquire_many(["source:1", "source:2"])
    b.acquire("source:3")
    clock.advance(20)
    assert a.renew() == ["source:1", "source:2"]
    clock.advance(20)  # 40 s after the claim, 20 s after the renewal
    assert not b.acquire("source:1")  # renewed: still a's
    assert b.held() == []  # b never renewed: its lease ran out
    assert a.acquire("source:3")


def test_releasing_makes_names_claimable_at_once(store: EventStore) -> None:
    clock = Clock()
    a, b = leases_for(store, "worker-a", clock), leases_for(store, "worker-b", clock)
    a.acquire_many(["source:1", "source:2", "source:3"])
    a.release(["source:2"])
    assert b.acquire_many(["source:1", "source:2", "source:3"]) == ["source:2"]
    a.release()
    assert b.acquire_many(["source:1", "source:2", "source:3"]) == [
        "source:1",
        "source:2",
        "source:3",
    ]


def test_a_limit_keeps_held_names_before_claiming_new_ones(store: EventStore) -> None:
    clock = Clock()
    a = leases_for(store, "worker-a", clock)
    assert a.acquire("source:9")
    assert a.acquire_many([f"source:{i}" for i in range(10)], limit=3) == [
        "source:0",
        "source:1",
        "source:9",
    ]
    assert a.acquire_many(["source:5"], limit=0) == []


def test_leases_can_be_listed_by_prefix_and_forgotten(store: EventStore) -> None:
    clock = Clock()
    a = leases_for(store, "worker-a", clock)
    a.acquire_many(["source:x", "worker:worker-a"])
    assert [lease.name for lease in a.all(prefix="worker:")] == ["worker:worker-a"]
    a.forget(["source:x"])
    assert [lease.name for lease in a.all()] == ["worker:worker-a"]


def test_an_owner_and_a_ttl_are_required(store: EventStore) -> None:
    with pytest.raises(ValueError, match="owner"):
        Leases(store.engine, owner="", ttl=timedelta(seconds=1))
    with pytest.raises(ValueError, match="time-to-live"):
        Leases(store.engine, owner="a", ttl=timedelta(0))


def test_owners_racing_for_the_same_names_never_share_one(store: EventStore) -> None:
    names = [f"source:{i}" for i in range(40)]
    results: dict[str, list[str]] = {}
    barrier = threading.Barrier(4)

    def claim(owner: str) -> None:
        leases = Leases(store.engine, owner=owner, ttl=timedelta(seconds=60))
        barrier.wait()
        got: list[str] = []
        for start in range(0, len(names), 5):
            got += leases.acquire_many(names[start : start + 5])
        results[owner] = got

    threads = [threading.Thread(target=claim, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counts = Counter(name for got in results.values() for name in got)
    assert sorted(counts) == sorted(names)
    assert set(counts.values()) == {1}
    owners = {
        lease.name: lease.owner for lease in Leases(store.engine, owner="x", ttl=timedelta(1)).all()
    }
    for owner, got in results.items():
        assert all(owners[name] == owner for name in got)
