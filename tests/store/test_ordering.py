"""A follower tailing the log by position sees every committed event exactly once, in order,
while several writer processes append with random delays and rolled-back transactions."""

from __future__ import annotations

import multiprocessing
import random
import threading
import time

from store import EventStore, NewEvent, StreamAppend

WRITERS = 4
APPENDS_PER_WRITER = 40


class _Rollback(Exception):
    pass


def _writer(url: str, seed: int) -> list[str]:
    """Append in random batches; some commits are slow, some transactions roll back."""
    rng = random.Random(seed)
    store = EventStore.open(url)
    committed: list[str] = []
    for n in range(APPENDS_PER_WRITER):
        events = [
            NewEvent("Written", {"writer": seed, "n": n, "i": i}) for i in range(rng.randint(1, 6))
        ]
        batch = [StreamAppend(f"writer-{seed}-{rng.randint(0, 3)}", events)]
        mode = rng.random()
        if mode < 0.2:
            # Insert, hold the transaction open, then roll back: nothing may become visible.
            try:
                with store._write() as conn:
                    store._append_locked(conn, batch)
                    time.sleep(rng.uniform(0, 0.01))
                    raise _Rollback
            except _Rollback:
                pass
        elif mode < 0.5:
            # A slow commit: positions are taken, and readers poll meanwhile.
            with store._write() as conn:
                store._append_locked(conn, batch)
                time.sleep(rng.uniform(0, 0.01))
            committed.extend(str(e.event_id) for e in events)
        else:
            store.append_many(batch)
            committed.extend(str(e.event_id) for e in events)
        time.sleep(rng.uniform(0, 0.005))
    store.close()
    return committed


def _follow(url: str, done: threading.Event, seen: list[tuple[int, str]]) -> None:
    store = EventStore.open(url)
    cursor = 0
    while True:
        finished = done.is_set()
        for event in store.read_all(after=cursor, batch_size=7):
            seen.append((event.position, str(event.event_id)))
            cursor = event.position
        if finished:
            break
        time.sleep(0.001)
    store.close()


def _run(url: str) -> None:
    EventStore.open(url).close()  # migrate once before the race
    done = threading.Event()
    seen: list[tuple[int, str]] = []
    follower = threading.Thread(target=_follow, args=(url, done, seen))
    follower.start()
    context = multiprocessing.get_context("spawn")
    with context.Pool(WRITERS) as pool:
        results = pool.starmap(_writer, [(url, seed) for seed in range(WRITERS)])
    done.set()
    follower.join(timeout=60)

    committed = {event_id for result in results for event_id in result}
    positions = [position for position, _ in seen]
    ids = [event_id for _, event_id in seen]
    assert positions == list(range(1, len(positions) + 1)), "the follower skipped or repeated"
    assert len(ids) == len(set(ids)), "an event was seen twice"
    assert set(ids) == committed, "the follower saw a rolled-back event or missed a committed one"
    store = EventStore.open(url)
    assert store.head() == len(committed)
    store.close()


def test_a_follower_sees_every_committed_event_once_in_order_on_sqlite(sqlite_url: str) -> None:
    _run(sqlite_url)


def test_a_follower_sees_every_committed_event_once_in_order_on_postgresql(pg_url: str) -> None:
    _run(pg_url)
