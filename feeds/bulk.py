"""Many view rows inserted at once, given as tuples: the replay's writes, which all happen in
the one replaying process while classification runs on the other cores."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    Connection,
    Float,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    insert,
    select,
)

_T = TypeVar("_T")


def chunks(items: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    """`items` in consecutive slices of `size` (the last may be shorter): the IN lists of
    one statement each."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def as_text(value: Any) -> Any:
    """`value`, or the text it is if it is UTF-8 bytes (a prepared article's text)."""
    return value.decode() if isinstance(value, bytes) else value


def insert_rows(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    utf8: Sequence[str] = (),
) -> None:
    """INSERT `rows` (values in `columns` order) in the caller's transaction; the
    `utf8` columns' values may be text or its UTF-8 bytes, and are stored as text.

    On SQLite the driver's executemany with the tuples as they are: SQLAlchemy's per-row
    parameter processing cost a replay a fifth as much again as SQLite's own inserts. On
    PostgreSQL COPY (`_copy_rows`); elsewhere, or for a column type COPY would not bind as
    SQLAlchemy does, SQLAlchemy's insert, which batches the rows into multi-row statements.
    """
    if not rows:
        return
    if conn.dialect.name == "sqlite":
        names = ", ".join(f'"{c}"' for c in columns)
        # CAST(blob AS TEXT) reads the bytes as the database's UTF-8: the same text, without
        # decoding it into Python and encoding it again to bind it.
        marks = ", ".join("CAST(? AS TEXT)" if c in utf8 else "?" for c in columns)
        conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', rows)
        return
    if utf8:
        at = [i for i, c in enumerate(columns) if c in utf8]
        rows = [[as_text(v) if i in at else v for i, v in enumerate(row)] for row in rows]
    if conn.dialect.name == "postgresql" and all(type(table.c[c].type) in _COPIED for c in columns):
        _copy_rows(conn, table, columns, rows)
        return
    conn.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])


#: Column types whose values COPY takes as SQLAlchemy would bind them: none has a bind
#: processor or a cast (an Enum, a JSON column or a TypeDecorator has, so its rows keep
#: the INSERT; no view has one today).
_COPIED = frozenset({Integer, BigInteger, Float, String, Text, LargeBinary, Boolean})


def _copy_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """PostgreSQL: the rows through COPY on the transaction's own connection. SQLAlchemy's
    multi-row INSERTs built a parameter dict per row and the server parsed every VALUES
    list (measured in docs/stories.md, "PostgreSQL writes by COPY")."""
    quote = conn.dialect.identifier_preparer
    names = ", ".join(quote.quote(c) for c in columns)
    driver: Any = conn.connection.driver_connection
    sql = f"COPY {quote.format_table(table)} ({names}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def select_in(
    conn: Connection, table: Table, columns: Sequence[str], key: str, values: Sequence[str]
) -> list[tuple[Any, ...]]:
    """`columns` of the rows whose `key` is one of `values`, as tuples (in no set order).

    On SQLite plain driver SQL, 500 values a statement: compiling an expanding IN of 500
    parameters through SQLAlchemy cost more than SQLite answering it (as in store/sql.py)."""
    found: list[tuple[Any, ...]] = []
    for chunk in chunks(values, 500):
        if conn.dialect.name == "sqlite":
            names = ", ".join(f'"{c}"' for c in columns)
            marks = ", ".join("?" for _ in chunk)
            sql = f'SELECT {names} FROM "{table.name}" WHERE "{key}" IN ({marks})'
            found.extend(tuple(row) for row in conn.exec_driver_sql(sql, tuple(chunk)))
        else:
            query = select(*(table.c[c] for c in columns)).where(table.c[key].in_(chunk))
            found.extend(tuple(row) for row in conn.execute(query))
    return found
