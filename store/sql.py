"""SQL plumbing for the log: the write transaction that holds the append lock, driver
error translation, and bulk insert and look-up done the fastest way each database allows."""

from __future__ import annotations

from collections.abc import Iterator
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Engine, Table, bindparam, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from store.engine import IMMEDIATE
from store.errors import StoreError, StoreUnavailableError
from store.migrate import _describe

#: Advisory lock id taken by every append on PostgreSQL: commit order = position order.
APPEND_LOCK = 7_262_000


class WriteTransaction:
    """`with` block: a transaction that holds the log's append lock until it ends."""

    def __init__(self, engine: Engine, *, append_lock: bool) -> None:
        self._engine = engine
        self._append_lock = append_lock and engine.dialect.name == "postgresql"
        self._conn: Connection | None = None

    def __enter__(self) -> Connection:
        conn = self._engine.connect().execution_options(**{IMMEDIATE: True})
        self._conn = conn
        conn.begin()
        if self._append_lock:
            # Taken last, just before positions are assigned, and held to commit: a reader
            # can never see position N+1 committed while N is still in flight.
            # The append's look-ups (event ids, keys, stream version, head) are all point
            # queries on unique indexes; on a young table with stale statistics the planner
            # picked sequential scans (12 ms a look-up at 10,000 events), so forbid them.
            conn.execute(
                text(
                    "SELECT set_config('enable_seqscan', 'off', true), pg_advisory_xact_lock(:id)"
                ),
                {"id": APPEND_LOCK},
            )
        return conn

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        conn = self._conn
        assert conn is not None
        try:
            if exc_type is None:
                conn.commit()
            else:
                conn.rollback()
        finally:
            conn.close()


class ErrorTranslation:
    """Turns driver errors into the store's exception tree at the boundary."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        if exc is None or isinstance(exc, StoreError):
            return
        if isinstance(exc, IntegrityError):
            raise StoreError(f"the append conflicts with a stored event: {exc.orig}") from exc
        if isinstance(exc, OperationalError) and is_connection_error(exc):
            raise StoreUnavailableError(_describe(self._engine, exc)) from exc
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            raise StoreUnavailableError(_describe(self._engine, exc)) from exc


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows in the caller's transaction: COPY on PostgreSQL, executemany on SQLite.

    COPY sends a batch in one round trip; psycopg's executemany pipelines one INSERT per
    row, which measured at half the rate for 5 KB events.
    """
    if not rows:
        return
    columns = list(rows[0])
    names = ", ".join(f'"{c}"' for c in columns)
    if conn.dialect.name == "sqlite":
        # The driver's executemany with plain tuples: SQLAlchemy's per-row parameter
        # processing of 5 KB events cost as much as SQLite's own insert.
        marks = ", ".join("?" for _ in columns)
        values = itemgetter(*columns)
        conn.exec_driver_sql(
            f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})',
            [values(row) for row in rows],
        )
        return
    driver = conn.connection.dbapi_connection
    assert driver is not None
    copy_sql = f'COPY "{table.name}" ({names}) FROM STDIN'
    with driver.cursor() as cursor, cursor.copy(copy_sql) as copy:  # type: ignore[attr-defined]
        for row in rows:
            copy.write_row([row[c] for c in columns])


def is_connection_error(exc: OperationalError) -> bool:
    message = str(exc.orig).lower()
    return any(
        word in message
        for word in ("connect", "connection", "could not translate", "unable to open", "closed")
    )


def lookup(conn: Connection, column: Any, position: Any, values: list[str]) -> dict[str, int]:
    """`{value: position}` for the values present in `column`.

    On PostgreSQL one `= ANY(array)` parameter: one statement whatever the number of
    values, so psycopg prepares it once.
    """
    found: dict[str, int] = {}
    if conn.dialect.name == "postgresql":
        query = select(column, position).where(column == func.any(bindparam("values")))
        for value, at in conn.execute(query, {"values": values}):
            found[value] = at
        return found
    # SQLite (the store runs on SQLite and PostgreSQL only): plain driver SQL, since
    # compiling an expanding IN of 500 parameters through SQLAlchemy cost more than
    # SQLite answering it.
    table = column.table.name
    sql = f'SELECT "{column.name}", "{position.name}" FROM "{table}" WHERE "{column.name}" IN '
    for chunk in chunks(values, 500):
        marks = ", ".join("?" for _ in chunk)
        for value, at in conn.exec_driver_sql(f"{sql}({marks})", tuple(chunk)):
            found[value] = at
    return found


def chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
