"""SQL plumbing for the log: the read connection and the write transaction (holding the
append lock when asked), both translating driver errors, and bulk insert and look-up done
the fastest way each database allows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Engine, Table, bindparam, func, select, text

from store.engine import IMMEDIATE
from store.errors import translated

#: Advisory lock id taken by every append on PostgreSQL: commit order = position order.
APPEND_LOCK = 7_262_000


def schema_lock(lock_id: int) -> str:
    """SQL for the advisory lock `lock_id` of the current schema's store: stores in two
    schemas of one database (tests, benchmarks, tenants) must not wait for each other.
    The key is `lock_id` in the high 32 bits, a hash of the schema name in the low ones."""
    schema = "hashtext(current_schema())::int8 & 4294967295"
    return f"pg_advisory_xact_lock(({lock_id}::int8 << 32) | ({schema}))"


@contextmanager
def write_transaction(engine: Engine, *, append_lock: bool) -> Iterator[Connection]:
    """A connection in a transaction that commits at the end of the block, rolls back on
    an error, and (for appends on PostgreSQL) holds the log's append lock until it ends."""
    with (
        translated(engine),
        engine.connect().execution_options(**{IMMEDIATE: True}) as conn,
        conn.begin(),
    ):
        if append_lock and conn.dialect.name == "postgresql":
            # Taken last, just before positions are assigned, and held to commit: a reader
            # can never see position N+1 committed while N is still in flight.
            # The append's look-ups (event ids, keys, stream version, head) are all point
            # queries on unique indexes; on a young table with stale statistics the planner
            # picked sequential scans (12 ms a look-up at 10,000 events), so forbid them.
            conn.execute(
                text(
                    f"SELECT set_config('enable_seqscan', 'off', true), {schema_lock(APPEND_LOCK)}"
                )
            )
        yield conn


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """A connection for reads; driver errors leave the block as the store's own."""
    with translated(engine), engine.connect() as conn:
        yield conn


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
