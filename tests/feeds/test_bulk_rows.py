"""View rows written at once (`feeds.bulk.insert_rows`): the same values read back on SQLite
and on PostgreSQL, where they go through COPY into tables whose text is compressed with
lz4."""

from __future__ import annotations

from sqlalchemy import (
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
