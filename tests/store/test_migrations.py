"""The schema is created on first use, upgraded by command, and a newer one is refused."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import inspect, text

from store import EventStore, SchemaTooNewError, StoreUnavailableError, make_engine, schema_state


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
