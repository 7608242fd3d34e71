"""A projection's checkpoint row: how far its view has applied the log, which generation of
tables is current, and what it was built with besides the log (store/fingerprints.py);
read, registered (with the view's first tables) and locked for a write."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Index, LargeBinary, Table, Text, select, text
from sqlalchemy import insert as sa_insert
from sqlalchemy.schema import CreateTable

from store import schema
from store.projection import Checkpoint, Projection
from store.sql import reading, schema_lock, write_transaction

#: Advisory lock id (PostgreSQL) held while a projection registers, i.e. creates its tables.
REGISTER_LOCK = 7_262_002

_checkpoints = schema.projection_checkpoints


def checkpoint_row(engine: Engine, projection: Projection, fingerprint: str | None) -> Checkpoint:
    """The projection's checkpoint, registering it on first use: its generation 1 tables
    and a row recording `fingerprint`."""
    name = projection.name
    query = select(_checkpoints).where(_checkpoints.c.name == name)
    with reading(engine) as conn:
        row = conn.execute(query).first()
    if row is not None:
        return _checkpoint(row)
    with write_transaction(engine, append_lock=False) as conn:
        if conn.dialect.name == "postgresql":
            # Replicas' projection processes start together, and two concurrent
            # CREATE TABLE IF NOT EXISTS collide (a unique violation in pg_type): one
            # registration at a time. SQLite's IMMEDIATE transaction already is.
            conn.execute(text(f"SELECT {schema_lock(REGISTER_LOCK)}"))
        row = conn.execute(query).first()
        if row is not None:
            return _checkpoint(row)
        create_tables(conn, projection.tables(1))
        values = {"name": name, "position": 0, "generation": 1, "fingerprint": fingerprint}
        conn.execute(sa_insert(_checkpoints).values(values))
    return Checkpoint(name, 0, 1, fingerprint)


def locked_checkpoint(conn: Connection, projection: Projection) -> Any:
    """The checkpoint row, locked until `conn`'s transaction ends (PostgreSQL; SQLite's
    write transaction holds the database)."""
    query = select(_checkpoints).where(_checkpoints.c.name == projection.name)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).one()


def _checkpoint(row: Any) -> Checkpoint:
    return Checkpoint(row.name, row.position, row.generation, row.fingerprint)


def create_tables(
    conn: Connection, tables: Mapping[str, Table], *, without: Sequence[Index] = ()
) -> None:
    """Create `tables` with their indexes, except those in `without` (which the caller
    creates later); with `without`, the tables must not exist yet."""
    later = {id(index) for index in without}
    lz4 = conn.dialect.name == "postgresql" and _has_lz4(conn)
    for table in tables.values():
        if not later:
            if conn.dialect.has_table(conn, table.name, schema=table.schema):
                continue  # as `checkfirst`: an existing table is left as it is, unlocked
            table.create(conn)
        else:
            conn.execute(CreateTable(table))
            for index in sorted(table.indexes, key=lambda i: str(i.name)):
                if id(index) not in later:
                    index.create(conn)
        if lz4:
            _compress_lz4(conn, table)


def _has_lz4(conn: Connection) -> bool:
    """Whether the PostgreSQL server was built with lz4 (migration 0004 asks the same)."""
    found = conn.execute(
        text(
            "SELECT count(*) FROM pg_settings WHERE name = 'default_toast_compression'"
            " AND 'lz4' = ANY(enumvals)"
        )
    ).scalar()
    return bool(found)


def _compress_lz4(conn: Connection, table: Table) -> None:
    """A view's text and binary columns compressed with lz4, as the log's documents are
    (migration 0004): an article's text in the topics view is ~5 KB, and pglz compressed
    it at ~3 s of the server's CPU more per 100,000 articles (docs/stories.md, "PostgreSQL
    writes by COPY"). Only on a table just created, which no other session can see yet:
    the ALTER locks the table against every reader."""
    quote = conn.dialect.identifier_preparer
    changes = [
        f"ALTER COLUMN {quote.quote(column.name)} SET COMPRESSION lz4"
        for column in table.columns
        if isinstance(column.type, (Text, LargeBinary))
    ]
    if changes:
        conn.execute(text(f"ALTER TABLE {quote.format_table(table)} {', '.join(changes)}"))
