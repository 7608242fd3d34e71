"""A SQLite store's write-ahead log is checkpointed at about the same size whatever the
file's page size, so a bulk load does not leave a huge WAL for every later commit to pay
for; and a thread of the store's checkpoints it beside the appends (store/checkpoint.py)."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from store import EventStore, NewEvent
from store.checkpoint import GROWN_WAL_BYTES
from store.engine import SQLITE_PAGE_SIZE, WAL_CHECKPOINT_BYTES, make_engine

DOCUMENT = "Hà Nội và Viêng Chăn ký kết thỏa thuận hợp tác. " * 120  # ~6 KB of UTF-8


def _bulk_load(store: EventStore, megabytes: int) -> None:
    per_batch = 100
    batches = megabytes * 1024 * 1024 // (len(DOCUMENT.encode()) * per_batch) + 1
    for batch in range(batches):
        events = [NewEvent("Noted", {"text": DOCUMENT, "n": n}) for n in range(per_batch)]
        store.append(f"bulk-{batch}", events)


@pytest.mark.parametrize("page_size", sorted({4096, SQLITE_PAGE_SIZE, 16384}))
def test_a_bulk_load_leaves_a_wal_near_the_checkpoint_size_whatever_the_page_size(
    tmp_path: Path, page_size: int
) -> None:
    db = tmp_path / "store.db"
    if page_size != SQLITE_PAGE_SIZE:  # a file made by an older store keeps its own
        with sqlite3.connect(db) as conn:
            conn.execute(f"PRAGMA page_size={page_size}")
            conn.execute("CREATE TABLE older (x)")
    store = EventStore.open(f"sqlite:///{db}")
    try:
        _bulk_load(store, megabytes=5 * WAL_CHECKPOINT_BYTES // (1024 * 1024))
        # Measured while the store is open: closing the last connection checkpoints and
        # deletes the WAL, which would hide its size. The WAL file is reused after each
        # checkpoint, so it holds the checkpoint size plus the last transaction; a fixed
        # page count let it reach 160 MB with 16 KiB pages.
        size = Path(f"{db}-wal").stat().st_size
        assert size < WAL_CHECKPOINT_BYTES * 1.25, f"WAL {size / 2**20:.0f} MiB"
        assert os.path.getsize(db) > 2 * WAL_CHECKPOINT_BYTES  # the events did reach the file
    finally:
        store.close()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA page_size").fetchone()[0] == page_size


def test_single_appends_are_checkpointed_by_a_thread_before_sqlite_would(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    store = EventStore.open(f"sqlite:///{db}")
    try:
        store.append("first", [NewEvent("Noted", {})])
        empty = os.path.getsize(db)
        # ~300 single appends write ~12 MB of WAL pages, well under SQLite's own limit:
        # only the store's thread copies them into the database file this early.
        for n in range(300):
            store.append(f"s-{n % 50}", [NewEvent("Noted", {"text": DOCUMENT, "n": n})])
        deadline = time.monotonic() + 10
        while os.path.getsize(db) - empty < 300 * len(DOCUMENT) // 2:
            assert time.monotonic() < deadline, "the WAL was not checkpointed"
            time.sleep(0.05)
        assert _checkpoint_threads() == 1
        assert store.verify().ok
    finally:
        store.close()
    assert _checkpoint_threads() == 0


def _checkpoint_threads() -> int:
    return sum(t.name == "newsledger-wal-checkpoint" for t in threading.enumerate())


def test_dropping_a_big_table_does_not_rewrite_its_pages_into_the_wal(tmp_path: Path) -> None:
    # Debian's SQLite is built with secure_delete on, which zeroes every freed page and so
    # writes it whole to the WAL: the drop of a replaced generation took a fifth of a
    # replay (store/engine.py). FAST zeroes only within pages written anyway.
    db = tmp_path / "store.db"
    engine = make_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            assert raw.execute("PRAGMA secure_delete").fetchone()[0] == 2  # FAST
            raw.execute("CREATE TABLE old_generation (id INTEGER PRIMARY KEY, body TEXT)")
            raw.execute("BEGIN")
            raw.executemany(
                "INSERT INTO old_generation (body) VALUES (?)", ((DOCUMENT,) for _ in range(2000))
            )
            raw.execute("COMMIT")
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            assert os.path.getsize(db) > 2000 * len(DOCUMENT)  # ~14 MB in the file
            raw.execute("DROP TABLE old_generation")
            # With secure_delete on, the drop wrote every one of those pages to the WAL.
            assert Path(f"{db}-wal").stat().st_size < 1024 * 1024
    finally:
        engine.dispose()


def test_the_wal_restarts_though_readers_overlap_without_pause(tmp_path: Path) -> None:
    # A WAL restarts from its beginning only when no reader is using it. Two readers whose
    # transactions overlap (as a projection process and its prepare worker read batches
    # beside a long poll) never leave it idle: with passive checkpoints alone it grew to
    # several times its bound here (671 MB in the stories benchmark's poll); with TRUNCATE
    # past twice the bound it peaked at 98-112 MiB with a busy core beside it.
    db = tmp_path / "store.db"
    store = EventStore.open(f"sqlite:///{db}")
    store.append("first", [NewEvent("Noted", {})])
    stop = threading.Event()

    def read(offset: float) -> None:
        conn = sqlite3.connect(db, timeout=30, isolation_level=None)
        time.sleep(offset)
        while not stop.is_set():
            conn.execute("BEGIN")
            conn.execute("SELECT data FROM events ORDER BY position DESC LIMIT 20").fetchall()
            time.sleep(0.03)
            conn.execute("COMMIT")
        conn.close()

    readers = [threading.Thread(target=read, args=(offset,)) for offset in (0.0, 0.015)]
    for reader in readers:
        reader.start()
    largest = 0
    try:
        for batch in range(6 * WAL_CHECKPOINT_BYTES // (len(DOCUMENT.encode()) * 100)):
            events = [NewEvent("Noted", {"text": DOCUMENT, "n": n}) for n in range(100)]
            store.append(f"bulk-{batch}", events)
            largest = max(largest, Path(f"{db}-wal").stat().st_size)
    finally:
        stop.set()
        for reader in readers:
            reader.join()
        store.close()
    assert largest < GROWN_WAL_BYTES + 2 * WAL_CHECKPOINT_BYTES, f"WAL {largest / 2**20:.0f} MiB"


@pytest.mark.parametrize(
    ("url", "shared"),
    [
        ("sqlite://", False),
        ("sqlite:///:memory:", False),
        ("sqlite:///file:nl_memory_test?mode=memory&cache=shared&uri=true", False),
        ("sqlite:///{tmp}/n.db", True),
    ],
)
def test_an_in_memory_database_is_told_apart_alike_by_the_engine_and_the_store(
    tmp_path: Path, url: str, shared: bool
) -> None:
    # The store's is_shared (may the projections run in another process?) and the engine's
    # WAL decision read the URL through one helper: a mode=memory URI was in memory for
    # the one and not for the other.
    store = EventStore.open(url.format(tmp=tmp_path))
    try:
        with store.engine.connect() as conn:
            mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar_one()
        assert store.is_shared is shared
        assert mode == ("wal" if shared else "memory")
    finally:
        store.close()
