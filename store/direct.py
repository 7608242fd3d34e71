"""The common append in the fewest database calls, on a driver connection of its own.

Profiling (README, "Benchmarks") found SQLAlchemy's per-statement work and the look-ups of
event ids and keys costing more than SQLite's insert itself, and on PostgreSQL one network
round trip per statement (each a wait for the server's process on a loaded machine). So
this path skips the look-ups: the unique indexes on `events.event_id` and `event_keys.key`
refuse a repeated id or a claimed key, and the append is then redone on the checked path
(`store.append`), which finds the stored positions or raises the right error. The lock
is as on the checked path (BEGIN IMMEDIATE on SQLite, the advisory lock on PostgreSQL),
held from before the head is read to commit, and each row is chained as there
(`chained_row`); a single event, on either database, as one tuple without the `_Chain`
of dicts a batch keeps.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine

from store import direct_sql as q
from store.append import Row, StreamAppend
from store.checkpoint import Checkpointer
from store.direct_chain import Refused, chain_rows, one_row
from store.direct_pg import pg_insert, pg_insert_one_row
from store.sql import chunks

__all__ = ["DirectWriter", "Refused"]

#: Stream versions remembered for PostgreSQL's one-round-trip append; beyond this many the
#: memory is dropped and rebuilt (a forgotten stream costs one more round trip, no more).
_REMEMBERED_STREAMS = 100_000


class DirectWriter:
    """Appends on one driver connection kept out of the pool between appends (checking it
    out cost a round trip on PostgreSQL, the pre-ping), one thread at a time."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._pooled: Any = None
        self._pid = os.getpid()
        # PostgreSQL: the log's head and stream versions as this writer last left them.
        # Appending on that assumption takes one round trip; the INSERT checks it under
        # the lock, and inserts nothing when another writer has appended since.
        self._head: tuple[int, str] | None = None
        self._versions: dict[str, int] = {}
        # SQLite: the connection's `PRAGMA data_version` when that state was left. It
        # changes whenever another connection (or process) commits, so under the write
        # lock an unchanged value proves the remembered head and versions current.
        self._data_version: int | None = None
        # PostgreSQL: whether the schema has `newsledger_append_one` (migration 0006).
        self._one_statement = True
        # SQLite (a file): the thread that checkpoints the WAL beside the appends.
        self._checkpointer = Checkpointer.for_engine(engine)

    def append(self, appends: Sequence[StreamAppend], *, recorded_at: str) -> list[list[int]]:
        """Store `appends` in one transaction; raises `Refused` (nothing stored) when an
        event id is stored, a key claimed or a stream not at its expected version."""
        dbapi = self.engine.dialect.loaded_dbapi
        with self._lock:
            for attempt in (1, 2):
                pooled, reused = self._checkout()
                driver = pooled.driver_connection
                try:
                    if self.engine.dialect.name == "postgresql":
                        result = self._postgres(driver, appends, recorded_at, dbapi)
                    else:
                        result = self._sqlite(driver, appends, recorded_at, dbapi.IntegrityError)
                except dbapi.Error as exc:
                    self._head = None
                    if not self.engine.dialect.is_disconnect(exc, driver, None):
                        self._pooled = pooled
                        raise
                    pooled.invalidate(exc)
                    # A kept connection may have died while idle (a restarted server):
                    # retry once on a new one. Safe even if the first commit went through:
                    # the event ids are then stored and the retry is refused and checked.
                    if not reused or attempt == 2:
                        raise
                    continue
                except BaseException:
                    self._head = None
                    self._pooled = pooled
                    raise
                self._pooled = pooled
                return result
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self._lock:
            if self._pooled is not None and self._pid == os.getpid():
                self._pooled.close()
            self._pooled = None
            if self._checkpointer is not None:
                self._checkpointer.close()

    def _checkout(self) -> tuple[Any, bool]:
        pooled, self._pooled = self._pooled, None
        if pooled is not None and self._pid == os.getpid():
            return pooled, True
        self._pid = os.getpid()  # a forked child never uses its parent's connection
        self._head = None
        return self.engine.raw_connection(), False

    def _postgres(
        self, conn: Any, appends: Sequence[StreamAppend], recorded_at: str, dbapi: Any
    ) -> list[list[int]]:
        assumed = self._assumed(appends)
        try:
            if assumed is not None:
                last: tuple[int, str]
                if len(appends) == 1 and len(appends[0].events) == 1:
                    # One event: its row as a tuple (`one_row`), as on SQLite.
                    row = one_row(appends[0], self._head, assumed, recorded_at)
                    keys = list(appends[0].events[0].keys)
                    if self._one_statement:
                        inserted = self._pg_append_one(conn, row, keys, assumed, dbapi)
                    else:  # the scalar form, as before the batches went in pieces
                        inserted = pg_insert_one_row(conn, row, keys, assumed, self._head)
                    result, last = [[row[0]]], (row[0], row[-1])
                else:
                    chain, result, inserted = pg_insert(
                        conn, appends, self._head, assumed, recorded_at, checked=True
                    )
                    last = (chain.position, chain.previous)
                if inserted:
                    self._remember(last, appends, assumed)
                    return result
            with conn.pipeline(), conn.cursor() as lock, conn.cursor() as cursor:
                lock.execute(q.PG_LOCK, prepare=True)
                cursor.execute(q.PG_STATE, (sorted({a.stream_id for a in appends}),), prepare=True)
                rows = cursor.fetchall()
            head = next(((r[1], r[2]) for r in rows if r[0] is None), None)
            versions = {r[0]: r[1] for r in rows if r[0] is not None}
            chain, result, _ = pg_insert(conn, appends, head, versions, recorded_at, checked=False)
        except dbapi.IntegrityError as exc:
            conn.rollback()
            raise Refused from exc
        except BaseException:
            conn.rollback()
            raise
        self._remember((chain.position, chain.previous), appends, versions)
        return result

    def _pg_append_one(
        self, conn: Any, row: Row, keys: list[str], assumed: dict[str, int], dbapi: Any
    ) -> bool:
        """Insert the one chained `row` (and its `keys`) with `newsledger_append_one`
        (migration 0006): one statement in autocommit, so one round trip with the commit;
        False when the head or the stream's version has moved (nothing is inserted). A
        schema from before that migration (a store opened with `migrate=False`) keeps the
        pipelined path."""
        assert self._head is not None
        conn.autocommit = True
        try:
            answer = conn.execute(
                q.PG_APPEND_ONE, [*row, self._head[1], keys or None], prepare=True
            ).fetchone()
        except dbapi.errors.UndefinedFunction:
            self._one_statement = False
            answer = None
        finally:
            conn.autocommit = False
        if answer is None:
            return pg_insert_one_row(conn, row, keys, assumed, self._head)
        return bool(answer[0])

    def _assumed(self, appends: Sequence[StreamAppend]) -> dict[str, int] | None:
        """Each stream's version as the writer expects it, or as remembered, or else 0: a
        stream this writer has not seen is most often a new one (a new article), and a
        wrong guess costs one round trip, since the INSERT checks every version."""
        if self._head is None:
            return None
        versions: dict[str, int] = {}
        for append in appends:
            if append.stream_id not in versions:
                known = append.expected_version
                if known is None:
                    known = self._versions.get(append.stream_id, 0)
                versions[append.stream_id] = known
        return versions

    def _remember(
        self, head: tuple[int, str], appends: Sequence[StreamAppend], before: dict[str, int]
    ) -> None:
        if len(self._versions) > _REMEMBERED_STREAMS:
            self._versions.clear()
        self._versions.update(before)
        for append in appends:
            self._versions[append.stream_id] = self._versions.get(append.stream_id, 0) + len(
                append.events
            )
        self._head = head

    def _sqlite(
        self, conn: Any, appends: Sequence[StreamAppend], recorded_at: str, integrity: Any
    ) -> list[list[int]]:
        one = len(appends) == 1 and len(appends[0].events) == 1
        streams = (
            [appends[0].stream_id] if len(appends) == 1 else sorted({a.stream_id for a in appends})
        )
        conn.execute("BEGIN IMMEDIATE")
        try:
            (data_version,) = conn.execute("PRAGMA data_version").fetchone()
            remembered = self._versions
            head: tuple[int, str] | None
            if (
                self._head is not None
                and data_version == self._data_version
                and all(s in remembered for s in streams)
            ):
                # Nobody else committed since this writer's last append, and nobody can
                # while it holds the lock: the head and versions it left are the log's.
                head, versions = self._head, {s: remembered[s] for s in streams}
            else:
                head, versions = _sqlite_state(conn, streams)
            if one:
                # The commonest append, a single event: its row as a tuple, without a chain
                # of dicts (single appends: README, store benchmark).
                row = one_row(appends[0], head, versions, recorded_at)
                conn.execute(q.SQLITE_EVENTS, row)
                rows = [row]
                keys = [(key, row[0]) for key in appends[0].events[0].keys]
                result, last = [[row[0]]], (row[0], row[-1])
            else:
                chain, result = chain_rows(appends, head, versions, recorded_at)
                rows = [tuple(r.values()) for r in chain.rows]
                conn.executemany(q.SQLITE_EVENTS, rows)
                keys = [(k["key"], k["position"]) for k in chain.key_rows]
                last = (chain.position, chain.previous)
            if keys:
                conn.executemany(q.SQLITE_KEYS, keys)
            conn.execute("COMMIT")
        except integrity as exc:
            conn.execute("ROLLBACK")
            raise Refused from exc
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        # Its own commits leave the connection's data_version as it was.
        self._data_version = data_version
        self._remember(last, appends, versions)
        if self._checkpointer is not None:
            self._checkpointer.committed(rows, conn)
        return result


def _sqlite_state(conn: Any, streams: list[str]) -> tuple[tuple[int, str] | None, dict[str, int]]:
    """The log's head and the versions of those of `streams` that exist."""
    if len(streams) == 1:
        position, digest, found = conn.execute(q.SQLITE_STATE, streams).fetchone()
        head = (position, digest) if position is not None else None
        return head, ({streams[0]: found} if found is not None else {})
    row = conn.execute(q.HEAD).fetchone()
    versions: dict[str, int] = {}
    for chunk in chunks(streams, 500):
        sql = q.SQLITE_VERSIONS.format(", ".join("?" for _ in chunk))
        versions.update(conn.execute(sql, chunk).fetchall())
    return ((row[0], row[1]) if row is not None else None), versions
