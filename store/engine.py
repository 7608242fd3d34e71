"""Engines for SQLite and PostgreSQL with the connection settings the log relies on."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import SingletonThreadPool

from store.urls import normalise_url, sqlite_in_memory

#: Execution option that makes a SQLite transaction start with BEGIN IMMEDIATE.
IMMEDIATE = "newsledger_immediate"

#: The page size of a new SQLite database (an existing one keeps its own).
SQLITE_PAGE_SIZE = 4096
#: How long a SQLite connection waits for another's lock before it fails.
BUSY_TIMEOUT_MS = 30_000
#: How much WAL a SQLite store lets grow before a commit checkpoints it.
WAL_CHECKPOINT_BYTES = 40 * 1024 * 1024


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; on SQLite with WAL, a busy timeout and explicit BEGINs."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        in_memory = sqlite_in_memory(parsed)
        if parsed.query.get("mode") == "memory":
            # What SQLAlchemy picks for such a URL today, said explicitly: it warns that
            # it will pick another pool, which would change how threads see the database.
            kwargs.setdefault("poolclass", SingletonThreadPool)
        engine = create_engine(
            url,
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            **kwargs,
        )
        _configure_sqlite(engine, wal=not in_memory)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine, *, wal: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself (pysqlite's own
        # transaction handling would otherwise start deferred transactions behind our back).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # Takes effect only on a new, empty database (before WAL is switched on); an
        # existing one keeps its page size. A commit writes every page it dirties whole
        # to the WAL: a single-event append dirties 6-7 pages whatever their size (the
        # table's leaf and interior, three indexes, the header), 52 KB with 8 KiB pages
        # and 30 KB with 4 KiB. With the position as the rowid (migration 0005), 4 KiB
        # pages made single appends 12-15 % faster than 8 KiB (16 KiB: slower still),
        # batches of 100 no slower, and replay 5-15 % slower (a ~6 KB event spills onto
        # an overflow page). README, store benchmark.
        cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")
        if wal:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # Debian's SQLite (the Docker image's and CI's) is built with secure_delete on:
        # every page a DROP or DELETE frees is overwritten with zeros, i.e. written whole
        # to the WAL. Dropping the replaced generation of a replayed view (100,000
        # real-size articles) then took 6.75 s, a fifth of the replay; a 50,000-row
        # table wrote 359 MB of WAL in 1.5 s, and 0 MB in 0.04 s with FAST, which zeroes
        # deleted content only in pages written anyway. Nothing is hidden by erasing
        # more: the views are derived from the log, which is kept whole in the same file.
        cursor.execute("PRAGMA secure_delete=FAST")
        # Checkpoint the WAL every ~40 MB rather than every ~4 MB: bulk appends measured
        # 0.7 s of checkpoint I/O in 6 s with the default 1,000 pages. The setting counts
        # pages, so it follows the file's own page size (an older file keeps 4 KiB pages):
        # a fixed 10,000 pages let the WAL of a 16 KiB-page store grow to 160 MB, and every
        # commit after a bulk load paid for it (README, store benchmark).
        (page_size,) = cursor.execute("PRAGMA page_size").fetchone()
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_BYTES // page_size}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(IMMEDIATE):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")
