"""Many view rows inserted at once, given as tuples: the replay's writes, which all happen in
the one replaying process while classification runs on the other cores."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, insert


def insert_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """INSERT `rows` (values in `columns` order) in the caller's transaction.

    On SQLite the driver's executemany with the tuples as they are: SQLAlchemy's per-row
    parameter processing cost a replay a fifth as much again as SQLite's own inserts. Other
    databases get SQLAlchemy's insert, which batches the rows into multi-row statements.
    """
    if not rows:
        return
    if conn.dialect.name == "sqlite":
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', rows)
        return
    conn.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
