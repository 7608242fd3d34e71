"""The store's exception tree, and the one place driver errors are translated into it.

StoreError
 ├── StoreUnavailableError   the database cannot be reached, or stayed locked too long
 │    └── StoreReadOnlyError  it can be read, but refuses writes (grants, a standby)
 ├── SchemaError
 │    └── SchemaTooNewError   the database was migrated by a newer newsledger
 ├── ViewOutdatedError       a view was built with other rules than the projection's
 ├── ConcurrencyError        expected_version did not match the stream
 ├── DuplicateKeyError       a unique key is already claimed by a stored event
 ├── ImmutableEventError     the database refused to change or delete a stored event
 └── ImportRefusedError      import into a non-empty store, or a corrupt file

Every store module runs its database calls inside `translated(engine)`, so no SQLAlchemy
or driver exception leaves `store/` (tests/test_architecture.py checks that only this
module imports driver exception types).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from store.urls import display_url


class StoreError(Exception):
    """Base of every error raised by `store`."""


class StoreUnavailableError(StoreError):
    """The database cannot be used right now: unreachable, or locked by another writer."""


class StoreReadOnlyError(StoreUnavailableError):
    """The database can be read but refuses writes: a role without write grants, a
    standby, a read-only file. Nothing is wrong with an event, so a projection records
    no fault for it (it would skip every event); commands that only show the views show
    them as they stand (`store.stale.catch_up_or_stale`)."""


class ViewOutdatedError(StoreError):
    """A projection's view was built with another fingerprint (other rules, thresholds or
    code) than the projection given: extending it would mix the two. A replay rebuilds it
    (the worker and `publish` do so themselves); commands that only show the views show
    them as they stand (`store.stale.catch_up_or_stale`)."""


class SchemaError(StoreError):
    """The database schema cannot be used by this version of the code."""


class SchemaTooNewError(SchemaError):
    """The database carries a migration this code does not know."""


class ConcurrencyError(StoreError):
    """A stream's version was not the one the writer expected."""

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        super().__init__(
            f"stream {stream_id!r} is at version {actual}, but version {expected} was expected"
        )
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class DuplicateKeyError(StoreError):
    """A unique key named by a new event is already claimed by a stored event."""

    def __init__(self, key: str, position: int) -> None:
        super().__init__(f"key {key!r} is already claimed by the event at position {position}")
        self.key = key
        self.position = position


class ImmutableEventError(StoreError):
    """The database's triggers refused to update or delete a stored event."""


class ImportRefusedError(StoreError):
    """An import was refused: the store is not empty or the file is not a valid log."""


# Words of the drivers' messages (psycopg, sqlite3) that mean "the database is not there".
_UNREACHABLE = (
    "connect",
    "connection",
    "could not translate",
    # psycopg 3 resolves the name itself: a name that does not resolve yet (a database
    # container not started, a DNS hiccup) is a database not there, waited for.
    "failed to resolve host",
    "unable to open",
    "closed",
    "the database system is",
)
# SQLite's answer when another writer held the lock past the busy timeout.
_LOCKED = ("database is locked", "database table is locked")
# SQLSTATEs of PostgreSQL's refusals to write: insufficient_privilege (a role without the
# grant) and read_only_sql_transaction (a standby, `default_transaction_read_only`).
_READ_ONLY_STATES = ("42501", "25006")
# SQLite's, whose driver has no SQLSTATE: a file or folder it may not write.
_READ_ONLY = ("attempt to write a readonly database",)
# A full disk (SQLite, PostgreSQL): nothing is wrong with the data, it cannot be written now.
_FULL = ("disk is full", "no space left", "could not extend file", "disk i/o error")


class translated:  # lower case: it replaced a function of that name, `with translated(e):`
    """Run a block of database calls; driver errors leave it as the store's own errors.

    A class, not a `contextmanager` generator: every append enters one, and the
    generator's set-up and tear-down cost about 1 µs of a single append's ~90 (py-spy,
    README, store benchmark)."""

    __slots__ = ("_doing", "_engine")

    def __init__(self, engine: Engine, *, doing: str = "the store operation") -> None:
        self._engine = engine
        self._doing = doing

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, _tb: Any
    ) -> None:
        if exc is None or isinstance(exc, StoreError) or not isinstance(exc, Exception):
            return  # nothing raised, or raised as it is
        engine = self._engine
        if isinstance(exc, DBAPIError):
            raise translate(engine, exc, doing=self._doing) from exc
        # The direct append path (store/direct.py) calls the driver itself: its errors are
        # wrapped as SQLAlchemy would have, then translated the same way.
        base = engine.dialect.loaded_dbapi.Error
        if not isinstance(exc, base):
            return
        wrapped = DBAPIError.instance(None, None, exc, base, dialect=engine.dialect)
        assert isinstance(wrapped, DBAPIError)
        raise translate(engine, wrapped, doing=self._doing) from exc


def translate(engine: Engine, exc: DBAPIError, *, doing: str) -> StoreError:
    """The store error that stands for driver error `exc` raised while `doing`."""
    message = reason(exc)
    lowered = message.lower()
    if any(word in lowered for word in _LOCKED):
        return StoreUnavailableError(f"{_url(engine)} stayed locked by another writer: {message}")
    if any(word in lowered for word in _FULL):
        return StoreUnavailableError(f"no space left for {_url(engine)}: {message}")
    if "immutable" in lowered:  # the log's triggers: raised as insufficient_privilege too
        return ImmutableEventError(message)
    if getattr(exc.orig, "sqlstate", None) in _READ_ONLY_STATES or any(
        word in lowered for word in _READ_ONLY
    ):
        return StoreReadOnlyError(f"{_url(engine)} refuses writes: {message}")
    if exc.connection_invalidated or (
        isinstance(exc, OperationalError) and any(word in lowered for word in _UNREACHABLE)
    ):
        return StoreUnavailableError(unreachable(engine, exc))
    if isinstance(exc, IntegrityError):
        return StoreError(f"the append conflicts with a stored event: {message}")
    return StoreError(f"{doing} failed: {message}")


def unreachable(engine: Engine, exc: Exception) -> str:
    """One line naming the database (password hidden) and the driver's first line."""
    return f"cannot connect to {_url(engine)}: {reason(exc)}"


def reason(exc: Exception) -> str:
    lines = str(getattr(exc, "orig", exc)).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _url(engine: Engine) -> str:
    return display_url(engine.url)
