"""A host's share of the polling threads: polls that find it full wait their turn, in
order, instead of being dropped (which starved the same sources every period)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsledger.worker.hosts import HostShares
from tests.worker.conftest import (
    FeedServer,
    WorkerProcess,
    news_item,
    now_utc,
    start_worker,
    wait_for,
    worker_env,
    write_config,
)

HOST = "news.example:"


def test_polls_beyond_the_share_queue_in_order_and_get_the_slots_handed_over() -> None:
    shares = HostShares(2)
    assert shares.enter(HOST, "a") and shares.enter(HOST, "b")
    assert not shares.enter(HOST, "c") and not shares.enter(HOST, "d")
    assert not shares.enter(HOST, "c")  # firing again keeps its place
    assert shares.waiting(HOST) == ["c", "d"]
    assert shares.leave(HOST) == "c"  # a's slot goes to the oldest waiter
    assert shares.busy(HOST) == 2
    assert not shares.enter(HOST, "a")  # a fresh poll queues behind d
    assert shares.waiting(HOST) == ["d", "a"]
    assert [shares.leave(HOST), shares.leave(HOST)] == ["d", "a"]
    assert [shares.leave(HOST), shares.leave(HOST)] == [None, None]
    assert shares.busy(HOST) == 0 and shares.waiting(HOST) == []


def test_a_source_handed_a_slot_is_not_queued_again_before_its_turn_starts() -> None:
    # Its job firing while the turn waits for a thread would otherwise hand it a second
    # slot, and poll it twice in a row while another source waits.
    shares = HostShares(1)
    assert shares.enter(HOST, "a") and not shares.enter(HOST, "b")
    assert not shares.enter(HOST, "c")
    assert shares.leave(HOST) == "b"  # b's turn is scheduled, not yet started
    assert not shares.enter(HOST, "b")
    assert shares.waiting(HOST) == ["c"]
    shares.turn_taken("b")  # b's poll starts
    assert shares.leave(HOST) == "c"
    shares.turn_taken("c")
    assert shares.leave(HOST) is None and shares.busy(HOST) == 0


def test_a_turn_nobody_runs_passes_its_slot_on_and_forgets_the_source() -> None:
    shares = HostShares(1)
    assert shares.enter(HOST, "a") and not shares.enter(HOST, "b") and not shares.enter(HOST, "c")
    started: list[str] = []

    def run(source_id: str) -> bool:
        if source_id == "b":
            return False  # e.g. the worker is stopping
        started.append(source_id)
        return True

    shares.pass_on(HOST, run)
    assert started == ["c"]  # b's turn could not run: c got the slot
    assert not shares.enter(HOST, "b")  # b queues again (it was forgotten as a turn)
    assert shares.waiting(HOST) == ["b"]


def test_a_full_host_never_holds_back_another_host_or_a_folder() -> None:
    shares = HostShares(1)
    assert shares.enter(HOST, "a") and not shares.enter(HOST, "b")
    assert shares.enter("other.example:", "c")
    assert shares.enter(None, "folder") and shares.leave(None) is None
    assert shares.waiting("other.example:") == []


FEEDS = [f"feed-{n:02d}" for n in range(12)]


@pytest.fixture
def slow_host() -> Iterator[FeedServer]:
    server = FeedServer()
    server.delay = 0.3
    now = now_utc()
    server.publish_many({f: [news_item(f, 0, now=now)] for f in FEEDS})
    yield server
    server.close()


def test_every_source_of_a_host_slower_than_its_share_is_polled_in_turn(
    tmp_path: Path, slow_host: FeedServer, processes: list[WorkerProcess]
) -> None:
    # Twelve sources of one host on one interval fire together every second; a share of
    # two threads answering in 0.3 s serves ~6 of them a second. Dropping the polls that
    # found the share full starved the same sources every period (the firing order is
    # fixed), and they were never polled at all.
    sources = [{"id": f, "kind": "feed", "url": slow_host.url(f), "interval": "1s"} for f in FEEDS]
    write_config(
        tmp_path,
        store_url=f"sqlite:///{tmp_path}/n.db",
        sources=sources,
        worker={"stagger": "0s", "concurrency": 4},  # a share of 2 threads for the host
    )
    worker = start_worker(["run", "--no-serve"], env=worker_env(), cwd=tmp_path)
    processes.append(worker)
    worker.wait_logged("worker started", timeout=60)
    started = time.monotonic()
    wait_for(lambda: all(slow_host.requests.get(f, 0) >= 2 for f in FEEDS), timeout=30)
    elapsed = time.monotonic() - started
    # Served in turn: nobody waits much longer than a round of the queue.
    assert elapsed < 15, f"every source polled twice only after {elapsed:.1f}s"
    assert worker.process.poll() is None
