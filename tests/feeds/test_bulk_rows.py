"""View rows written at once (`feeds.bulk.insert_rows`): the same values read back on SQLite
and on PostgreSQL, where they go through COPY into tables whose text is compressed with
lz4."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    select,
    text,
)

from feeds.bulk import insert_rows
from store import EventStore
from store.checkpoint_rows import create_tables
from store.sql import write_transaction

ROWS = [
    (1, "Hà Nội", "Tin tức\tcó tab\nvà dòng mới \\ gạch", b"\x00\x01\xff", 0.5, True),
    (2, "tab\tin a key", "Viên Chăn 14.050 người".encode(), b"", -1.25, False),
    (3, "null", None, b"\\N", None, None),
]


def _table() -> Table:
    return Table(
        "test_bulk_rows",
        MetaData(),
        Column("n", Integer, primary_key=True),
        Column("key", String(50), nullable=False),
        Column("body", Text),
        Column("raw", LargeBinary, nullable=False),
        Column("score", Float),
        Column("flag", Boolean),
    )


def test_rows_written_at_once_read_back_the_same_on_either_database(store: EventStore) -> None:
    table = _table()
    columns = [c.name for c in table.columns]
    with write_transaction(store.engine, append_lock=False) as conn:
        create_tables(conn, {"rows": table})
        insert_rows(conn, table, columns, ROWS, utf8=("body",))
    with store.engine.connect() as conn:
        got = [tuple(r) for r in conn.execute(select(table).order_by(table.c.n))]
    expected = [
        (n, key, body.decode() if isinstance(body, bytes) else body, raw, score, flag)
        for n, key, body, raw, score, flag in ROWS
    ]
    assert got == expected
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect() as conn:
            methods = dict(
                conn.execute(
                    text(
                        "SELECT attname, attcompression FROM pg_attribute"
                        " WHERE attrelid = 'test_bulk_rows'::regclass AND attnum > 0"
                    )
                ).all()
            )
            lz4 = conn.execute(
                text(
                    "SELECT 'lz4' = ANY(enumvals) FROM pg_settings"
                    " WHERE name = 'default_toast_compression'"
                )
            ).scalar()
        # lz4 for the text and binary columns where the server has it, the default elsewhere
        wanted = "l" if lz4 else ""
        assert methods == {
            "n": "",
            "key": "",
            "body": wanted,
            "raw": wanted,
            "score": "",
            "flag": "",
        }


def test_a_column_copy_would_bind_otherwise_keeps_the_insert(pg_url: str) -> None:
    """A JSON column has a bind processor (the value is serialised): on PostgreSQL its
    rows go through SQLAlchemy's INSERT, not COPY, and read back as given."""
    store = EventStore.open(pg_url)
    table = Table(
        "test_bulk_json",
        MetaData(),
        Column("n", Integer, primary_key=True),
        Column("doc", JSON),
    )
    with write_transaction(store.engine, append_lock=False) as conn:
        create_tables(conn, {"rows": table})
        insert_rows(conn, table, ["n", "doc"], [(1, {"a": [1, "b"]}), (2, None)])
    with store.engine.connect() as conn:
        got = [tuple(r) for r in conn.execute(select(table).order_by(table.c.n))]
    store.close()
    assert got == [(1, {"a": [1, "b"]}), (2, None)]


def test_an_existing_view_table_is_left_as_it_is(pg_url: str) -> None:
    """Created again (its checkpoint row gone, its tables still there), a table keeps its
    columns' compression: the ALTER that sets lz4 locks the table against every reader,
    so it runs only on a table just created."""
    store = EventStore.open(pg_url)
    table = _table()
    try:
        with write_transaction(store.engine, append_lock=False) as conn:
            create_tables(conn, {"rows": table})
            conn.execute(text("ALTER TABLE test_bulk_rows ALTER COLUMN body SET COMPRESSION pglz"))
        with write_transaction(store.engine, append_lock=False) as conn:
            create_tables(conn, {"rows": table})
            method = conn.execute(
                text(
                    "SELECT attcompression FROM pg_attribute"
                    " WHERE attrelid = 'test_bulk_rows'::regclass AND attname = 'body'"
                )
            ).scalar()
        assert method == "p"
    finally:
        store.close()
