"""The true raw limits of each database for the store benchmark's rows: the whole batch in
one driver `executemany` transaction into a bare table (no secondary index, no trigger),
a streamed SELECT with `json.loads` per row, and on SQLite one row per transaction into the
store's own schema. No SQLAlchemy, no hashing, no checks."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence
from typing import Any

import psycopg

COLUMNS = (
    "position, event_id, stream_id, stream_version, type, schema_version, data, metadata,"
    " recorded_at, hash"
)
Row = tuple[int, str, str, int, str, int, str, str, str, str]


def rows(texts: Sequence[str], count: int) -> list[Row]:
    """`count` rows shaped like the store's, carrying the already-encoded JSON `texts`."""
    return [
        (
            i + 1,
            f"00000000-0000-4000-8000-{i:012d}",
            f"article-{i // 100 % 1000}",
            i + 1,
            "ArticleIngested",
            1,
            texts[i % len(texts)],
            "{}",
            "2026-01-01T00:00:00.000000Z",
            "0" * 64,
        )
        for i in range(count)
    ]


def sqlite_insert(path: str, data: list[Row], *, synchronous: str) -> float:
    """Rows/s of one executemany transaction (WAL, `synchronous` as given, the store's
    16 KiB pages: the fastest this machine stores these rows)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA page_size=16384")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute(
        "CREATE TABLE bare (position INTEGER PRIMARY KEY, event_id TEXT, stream_id TEXT,"
        " stream_version INTEGER, type TEXT, schema_version INTEGER, data TEXT,"
        " metadata TEXT, recorded_at TEXT, hash TEXT)"
    )
    marks = ", ".join("?" * 10)
    started = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(f"INSERT INTO bare ({COLUMNS}) VALUES ({marks})", data)
    conn.execute("COMMIT")
    rate = len(data) / (time.perf_counter() - started)
    conn.close()
    return rate


class SQLiteSingleRows:
    """The bound of a single append on SQLite: one row a transaction (BEGIN IMMEDIATE,
    INSERT, COMMIT) on the driver, into the store's own schema (its table, its three unique
    or secondary indexes, created by `EventStore.open`), at the store's page size and WAL
    checkpoint setting and at `synchronous`. Each row is ready beforehand (its JSON encoded,
    its time-ordered id made, a 64-character placeholder where the chain's hash goes): only
    the database's work is timed. The file first holds `prefill` rows in one transaction,
    as the benchmark's stores hold their batched events when their single appends are
    timed. A writer of `rounds` (it ignores the documents it is handed and
    inserts its next row)."""

    def __init__(self, path: str, prefill: list[Row], *, synchronous: str, count: int) -> None:
        from store import EventStore  # the schema is the store's, whatever it becomes
        from store.direct_sql import SQLITE_EVENTS
        from store.engine import WAL_CHECKPOINT_BYTES
        from store.events import uuid7

        EventStore.open(f"sqlite:///{path}").close()
        self._conn = sqlite3.connect(path, isolation_level=None)
        self._conn.execute(f"PRAGMA synchronous={synchronous}")
        (page_size,) = self._conn.execute("PRAGMA page_size").fetchone()
        self._conn.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_BYTES // page_size}")
        self._sql = SQLITE_EVENTS
        self._conn.execute("BEGIN")
        self._conn.executemany(self._sql, [_as_stored(r) for r in prefill])
        self._conn.execute("COMMIT")
        start = len(prefill)
        # Ids as the store makes them (time-ordered: they land at the end of their index).
        ready = []
        for i in range(count):
            *_, kind, schema, data, metadata, recorded_at, digest = prefill[i % len(prefill)]
            head = (start + 1 + i, str(uuid7()), f"single-{i % 1000}", i + 1, kind, schema)
            ready.append(_as_stored((*head, data, metadata, recorded_at, digest)))
        self._rows = iter(ready)

    def append(self, _stream: str, _documents: Any) -> None:
        self._conn.execute("BEGIN IMMEDIATE")
        self._conn.execute(self._sql, next(self._rows))
        self._conn.execute("COMMIT")

    def close(self) -> None:
        self._conn.close()


def _as_stored(row: Row) -> tuple[Any, ...]:
    # The JSON columns as the store binds them: UTF-8 bytes (store/direct_sql.py).
    *head, data, metadata, recorded_at, digest = row
    return (*head, data.encode(), metadata.encode(), recorded_at, digest)


def sqlite_scan(path: str) -> float:
    """Rows/s of a SELECT of every row in order, decoding each JSON document."""
    conn = sqlite3.connect(path, isolation_level=None)
    started = time.perf_counter()
    count = 0
    for (data,) in conn.execute("SELECT data FROM bare ORDER BY position"):
        json.loads(data)
        count += 1
    rate = count / (time.perf_counter() - started)
    conn.close()
    return rate


def pg_insert(dsn: str, schema: str, data: list[Row], *, compression: str) -> float:
    """Rows/s of one executemany transaction into a bare table with `compression`."""
    with psycopg.connect(dsn) as conn:
        conn.execute(f"SET search_path TO {schema}")
        conn.execute("DROP TABLE IF EXISTS bare")
        conn.execute(
            "CREATE TABLE bare (position bigint PRIMARY KEY, event_id text, stream_id text,"
            f" stream_version int, type text, schema_version int, data text"
            f" COMPRESSION {compression}, metadata text, recorded_at text, hash text)"
        )
        conn.commit()
        marks = ", ".join(["%s"] * 10)
        started = time.perf_counter()
        with conn.cursor() as cursor:
            cursor.executemany(f"INSERT INTO bare ({COLUMNS}) VALUES ({marks})", data)
        conn.commit()
        return len(data) / (time.perf_counter() - started)


def pg_scan(dsn: str, schema: str) -> float:
    """Rows/s of a server-side cursor over every row, decoding each JSON document."""
    with psycopg.connect(dsn) as conn:
        conn.execute(f"SET search_path TO {schema}")
        started = time.perf_counter()
        count = 0
        with conn.cursor(name="scan") as cursor:
            cursor.itersize = 1000
            cursor.execute("SELECT data FROM bare ORDER BY position")
            for (data,) in cursor:
                json.loads(data)
                count += 1
        return count / (time.perf_counter() - started)


def pg_has_lz4(dsn: str) -> bool:
    with psycopg.connect(dsn) as conn:
        found: Any = conn.execute(
            "SELECT count(*) FROM pg_settings WHERE name = 'default_toast_compression'"
            " AND 'lz4' = ANY(enumvals)"
        ).fetchone()
        return bool(found and found[0])
