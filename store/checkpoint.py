"""SQLite: the write-ahead log checkpointed mostly by a thread, not by the appending one.

A checkpoint copies the WAL's pages into the database file and syncs both files. Run by
SQLite itself (`wal_autocheckpoint`), it happens inside the commit that crosses the limit:
that append waits for ~40 MB of WAL and ~10 MB of pages to reach the disk. Single-event
appends spent ~20 % of their samples there (py-spy), and without checkpoints they took
56-72 us instead of 108-111 (bare SQLite, README, store benchmark). Here a daemon thread,
on a connection of its own, runs a PASSIVE checkpoint (which never waits for, nor blocks,
a reader or the writer) each time the writer has added about `WAKE_BYTES`, so the copying
and syncing happen beside the appends, on the machine's other core.

Durability is unchanged: a commit is in the WAL (and synced as `synchronous` says) before
it returns, whoever copies it into the database file later. SQLite's own checkpoint stays
on at `WAL_CHECKPOINT_BYTES` as the bound, should the estimates here fall short.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine

from store.engine import BUSY_TIMEOUT_MS, SQLITE_PAGE_SIZE, WAL_CHECKPOINT_BYTES

if TYPE_CHECKING:
    from store.append import Row

#: WAL bytes (estimated) added by appends before the thread is woken.
WAKE_BYTES = WAL_CHECKPOINT_BYTES // 8
#: WAL bytes (estimated) after which the writer checkpoints itself, to let the WAL restart.
FINAL_BYTES = WAL_CHECKPOINT_BYTES * 5 // 8
#: A WAL file larger than this did not restart: readers never left it (`_writers_checkpoint`).
GROWN_WAL_BYTES = 2 * WAL_CHECKPOINT_BYTES
#: How long the writer's TRUNCATE checkpoint waits for readers, at most.
TRUNCATE_WAIT_MS = 250
#: How long the writer waits, at most, for the thread's checkpoint to end when its own
#: turn comes (once per `FINAL_BYTES`).
TURN_WAIT_MS = 500


class Checkpointer:
    """One per SQLite file and writer; `added()` after each commit, `close()` at the end.

    A passive checkpoint lets the WAL restart from its beginning only once every frame in
    it is copied, which the thread rarely sees while appends go on. So the writer, once
    about `FINAL_BYTES` went in since it last did, checkpoints on its own connection
    between two appends: the thread has copied most of it by then. The two never run at
    once (each would find the other busy and skip); the thread is not woken in the last
    stretch before the writer's turn.
    """

    def __init__(self, path: str, dbapi: Any) -> None:
        self.path = path
        self._dbapi = dbapi  # the engine's sqlite3 module (only store/errors.py names it)
        self._pending = 0
        self._since_restart = 0
        self._busy = threading.Lock()
        self._wake = threading.Event()
        self._stop = False
        self._pid = os.getpid()
        self._thread: threading.Thread | None = None

    @classmethod
    def for_engine(cls, engine: Engine) -> Checkpointer | None:
        """One for a SQLite file named by a plain path (not in memory, not a `file:` URI,
        which the thread's own connection would read as a file name)."""
        url = engine.url
        database = url.database or ""
        if engine.dialect.name != "sqlite" or database in ("", ":memory:"):
            return None
        if database.startswith("file:") or url.query.get("uri"):
            return None
        return cls(database, engine.dialect.loaded_dbapi)

    def committed(self, rows: Sequence[Row], conn: Any) -> None:
        """The writer committed `rows` on `conn`. What that wrote to the WAL, estimated:
        the rows and their overflow pages, and a page for each index, the table's interior
        and the header (7 frames for a single append, README)."""
        # The row's columns by name (`Row`, whose length mypy checks here).
        written = sum(len(data) + len(meta) + 200 for _, _, _, _, _, _, data, meta, _, _ in rows)
        self.added(written * 5 // 4 + 6 * SQLITE_PAGE_SIZE, conn)

    def added(self, wal_bytes: int, conn: Any) -> None:
        """The writer committed about `wal_bytes` to the WAL on `conn` (a sqlite3
        connection, outside a transaction)."""
        self._since_restart += wal_bytes
        self._pending += wal_bytes
        if self._since_restart >= FINAL_BYTES:
            # The thread may be copying still (a loaded machine): waiting for it, briefly,
            # keeps the bound, where skipping the turn let a bulk load's WAL reach 58 MiB
            # of 40 (a CI run). Else: after the next append.
            if self._busy.acquire(timeout=TURN_WAIT_MS / 1000):
                done = True
                try:
                    done = self._writers_checkpoint(conn)
                except self._dbapi.Error:
                    pass  # the append is committed; SQLite's own checkpoint is the bound
                finally:
                    self._busy.release()
                # A TRUNCATE that found readers still there is tried again soon, not after
                # another FINAL_BYTES: the WAL is already past its bound.
                self._since_restart = 0 if done else FINAL_BYTES - WAKE_BYTES
                self._pending = 0
            return
        if self._pending < WAKE_BYTES or self._since_restart >= FINAL_BYTES - WAKE_BYTES:
            return
        self._pending = 0
        if self._thread is None or self._pid != os.getpid():
            # Started on first use, and again in a forked child (threads do not survive
            # fork); the child's thread opens its own connection.
            self._pid = os.getpid()
            self._wake = threading.Event()
            self._busy = threading.Lock()
            self._thread = threading.Thread(
                target=self._run, name="newsledger-wal-checkpoint", daemon=True
            )
            self._thread.start()
        self._wake.set()

    def _writers_checkpoint(self, conn: Any) -> bool:
        """PASSIVE, as a rule. But a WAL restarts only when no reader is using it, and
        readers that overlap without pause (a projection process and its prepare workers
        reading batches beside a long poll) kept it from ever restarting: it reached 671
        MB in a poll of 100,000 files. Past twice its bound, TRUNCATE: it waits for the
        readers of the moment (new ones read the database file, every frame being
        copied), then empties the file. For at most `TRUNCATE_WAIT_MS`, so a long read
        cannot stall the appends: a checkpoint that could not finish is tried again
        after the next `WAKE_BYTES` (False: it could not finish)."""
        try:
            grown = os.path.getsize(f"{self.path}-wal") > GROWN_WAL_BYTES
        except OSError:
            grown = False
        if not grown:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            return True
        conn.execute(f"PRAGMA busy_timeout={TRUNCATE_WAIT_MS}")
        try:
            [(busy, _, _)] = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        finally:
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return not busy

    def close(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None and self._pid == os.getpid():
            self._stop = True
            self._wake.set()
            thread.join()
            self._stop = False

    def _run(self) -> None:
        wake, busy = self._wake, self._busy
        conn = self._dbapi.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            while True:
                wake.wait()
                wake.clear()
                if self._stop:
                    return
                with busy:
                    try:
                        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    except self._dbapi.Error:
                        continue  # a busy or vanished file: the writer's turn still comes
        finally:
            conn.close()
