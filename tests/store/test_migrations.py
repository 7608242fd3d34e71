"""The schema is created on first use, upgraded by command, and a newer one is refused."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import inspect, text

from store import (
    EventStore,
    NewEvent,
    SchemaTooNewError,
    StoreUnavailableError,
    make_engine,
    schema_state,
)


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
