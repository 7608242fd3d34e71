"""The store's exception tree, so callers catch store failures without knowing SQLAlchemy.

StoreError
 ├── StoreUnavailableError   the database cannot be reached
 ├── SchemaError
 │    └── SchemaTooNewError   the database was migrated by a newer newsledger
 ├── ConcurrencyError        expected_version did not match the stream
 ├── DuplicateKeyError       a unique key is already claimed by a stored event
 ├── ImmutableEventError     something tried to change or delete a stored event
 ├── ChainError              the hash chain does not verify
 └── ImportRefusedError      import into a non-empty store, or a corrupt file
"""

from __future__ import annotations


class StoreError(Exception):
    """Base of every error raised by `store`."""


class StoreUnavailableError(StoreError):
    """The database URL cannot be connected to."""


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
    """Stored events cannot be updated or deleted."""


class ChainError(StoreError):
    """The hash chain is broken at a position."""

    def __init__(self, position: int, message: str) -> None:
        super().__init__(f"hash chain broken at position {position}: {message}")
        self.position = position


class ImportRefusedError(StoreError):
    """An import was refused: the store is not empty or the file is not a valid log."""
