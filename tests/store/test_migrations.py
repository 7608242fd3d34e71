"""The schema is created on first use, upgraded by command, and a newer one is refused."""

from __future__ import annotations

import socket

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from store import (
    DuplicateKeyError,
    EventStore,
    NewEvent,
    SchemaTooNewError,
    StoreUnavailableError,
    make_engine,
    schema_state,
)
from store.migrate import migrations_config
from store.sql import write_transaction


def test_the_schema_is_created_on_first_use(store_url: str) -> None:
    engine = make_engine(store_url)
    assert schema_state(engine).current is None
    EventStore(engine).append("a", [])
    state = schema_state(engine)
    assert state.up_to_date
    assert {"events", "event_keys", "projection_checkpoints"} <= set(
        inspect(engine).get_table_names()
    )
    engine.dispose()


def test_a_schema_newer_than_the_code_is_refused(store_url: str) -> None:
    store = EventStore.open(store_url)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(SchemaTooNewError, match="9999_future"):
        EventStore(store.engine)
    store.close()


def test_an_unreachable_database_is_a_one_line_store_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/nothing?connect_timeout=2"
    with pytest.raises(StoreUnavailableError) as raised:
        EventStore.open(url)
    assert "127.0.0.1" in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_database_host_that_does_not_resolve_is_unavailable_not_a_hard_error() -> None:
    """A compose or Kubernetes service name resolves only once its container runs: the
    worker must wait for it as for a database that is down, not exit at once."""
    with pytest.raises(StoreUnavailableError, match="failed to resolve host"):
        EventStore.open("postgresql+psycopg://postgres@db.invalid/nothing?connect_timeout=2")


def test_a_sqlite_path_in_a_missing_folder_is_a_store_error(tmp_path: object) -> None:
    with pytest.raises(StoreUnavailableError, match="unable to open"):
        EventStore.open(f"sqlite:///{tmp_path}/no/such/folder/store.db")


@pytest.mark.postgres
def test_postgres_compresses_new_documents_with_lz4_when_the_server_has_it(pg_url: str) -> None:
    store = EventStore.open(pg_url)
    document = {"text": "Hà Nội tăng trưởng " * 400}
    [position] = store.append("a", [NewEvent("ArticleIngested", document)])
    with store.reading() as conn:
        has_lz4 = conn.execute(
            text(
                "SELECT count(*) FROM pg_settings WHERE name = 'default_toast_compression'"
                " AND 'lz4' = ANY(enumvals)"
            )
        ).scalar()
        methods = conn.execute(
            text("SELECT pg_column_compression(data), pg_column_compression(metadata) FROM events")
        ).one()
    stored = store.get(position)
    store.close()
    assert stored is not None and stored.data == document
    # metadata "{}" is too short to be compressed at all.
    assert methods == (("lz4" if has_lz4 else "pglz"), None)


def test_a_sqlite_log_from_before_0005_is_rebuilt_with_the_position_as_rowid(
    sqlite_url: str,
) -> None:
    engine = make_engine(sqlite_url)
    with write_transaction(engine, append_lock=False) as conn:
        config = migrations_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "0004")
    older = EventStore(engine, migrate=False)
    older.append("a", [NewEvent("X", {"n": n}, keys=(f"k{n}",)) for n in range(3)])
    older.append("b", [NewEvent("Y", {"n": 3})])
    before = [(e.position, e.event_id, e.hash) for e in older.read_all()]

    store = EventStore(engine)
    assert schema_state(engine).up_to_date
    with store.reading() as conn:
        columns = {c[1]: c for c in conn.exec_driver_sql("PRAGMA table_info(events)")}
        keys_sql = conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE name = 'event_keys'"
        ).scalar()
        rowids = conn.exec_driver_sql('SELECT rowid, "position" FROM events').fetchall()
    assert columns["position"][2] == "INTEGER" and columns["position"][5] == 1
    assert "WITHOUT ROWID" in str(keys_sql)
    assert all(rowid == position for rowid, position in rowids)
    assert [(e.position, e.event_id, e.hash) for e in store.read_all()] == before
    assert store.verify().ok
    assert store.claimed(["k0", "k2"]) == {"k0": 1, "k2": 3}
    with pytest.raises(DuplicateKeyError):
        store.append("c", [NewEvent("X", {}, keys=("k1",))])
    with pytest.raises(DatabaseError, match="immutable"), engine.begin() as conn:
        conn.execute(text("DELETE FROM events WHERE position = 1"))
    with pytest.raises(DatabaseError, match="immutable"), engine.begin() as conn:
        conn.execute(text("UPDATE event_keys SET position = 9"))
    assert store.append("a", [NewEvent("X", {"n": 4})]) == [5]
    assert store.verify().ok
    store.close()
