"""The event store: an append-only, hash-chained log on SQLite or PostgreSQL, and projections.

`store` knows nothing of articles, sources or feeds: it stores typed JSON events in
streams, enforces unique keys, and runs projections that other packages define.
"""

from store.engine import make_engine, normalise_url
from store.errors import (
    ChainError,
    ConcurrencyError,
    DuplicateKeyError,
    ImmutableEventError,
    ImportRefusedError,
    SchemaError,
    SchemaTooNewError,
    StoreError,
    StoreUnavailableError,
)
from store.events import GENESIS_HASH, NewEvent, RecordedEvent, canonical_json, format_time
from store.eventstore import EventStore, StreamAppend
from store.leases import Lease, Leases
from store.migrate import SchemaState, schema_state, upgrade
from store.projections import (
    Checkpoint,
    Projection,
    ProjectionRunner,
    ReplayResult,
    view_table,
)
from store.upcasting import Upcasters

__all__ = [
    "GENESIS_HASH",
    "ChainError",
    "Checkpoint",
    "ConcurrencyError",
    "DuplicateKeyError",
    "EventStore",
    "ImmutableEventError",
    "ImportRefusedError",
    "Lease",
    "Leases",
    "NewEvent",
    "Projection",
    "ProjectionRunner",
    "RecordedEvent",
    "ReplayResult",
    "SchemaError",
    "SchemaState",
    "SchemaTooNewError",
    "StoreError",
    "StoreUnavailableError",
    "StreamAppend",
    "Upcasters",
    "canonical_json",
    "format_time",
    "make_engine",
    "normalise_url",
    "schema_state",
    "upgrade",
    "view_table",
]
