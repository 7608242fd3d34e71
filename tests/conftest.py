"""Fixtures shared by every suite: stores on SQLite and on the real PostgreSQL, system tools."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

from store import EventStore

PG_ENV = "NEWSLEDGER_TEST_PG_URL"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _missing(reason: str) -> None:
    """Skip locally; in CI a missing prerequisite is a failure, never a skip."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


def require_tool(name: str, debian_package: str) -> str:
    """The path of system tool `name`, or skip (locally) / fail (CI) naming the package."""
    path = shutil.which(name)
    if path is None:
        _missing(f"{name} is not installed: apt-get install {debian_package}")
        raise AssertionError("unreachable")
    return path


def pg_base_url() -> str | None:
    return os.environ.get(PG_ENV) or None


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped after the test."""
    with pg_schema() as url:
        yield url


@contextmanager
def pg_schema() -> Iterator[str]:
    """A fresh PostgreSQL schema for the block; its URL sets the search_path to it."""
    base = pg_base_url()
    if base is None:
        _missing(
            f"{PG_ENV} is not set: export "
            f"{PG_ENV}=postgresql+psycopg://postgres@127.0.0.1:5432/test to run PostgreSQL tests"
        )
    assert base is not None
    schema = f"nl_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: object) -> str:
    return f"sqlite:///{tmp_path}/store.db"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest) -> str:
    """The same test on SQLite and on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture
def store(store_url: str) -> Iterator[EventStore]:
    event_store = EventStore.open(store_url)
    try:
        yield event_store
    finally:
        event_store.close()
