"""The event store: an append-only, hash-chained log on SQLite or PostgreSQL, and projections.

`store` knows nothing of articles, sources or feeds: it stores typed JSON events in
streams, enforces unique keys, and runs projections that other packages define. This
module is its public face; everything outside `store/` imports from here.
"""

from store.append import StreamAppend
from store.canonical import canonical_json
from store.chain import VerifyResult
from store.engine import make_engine
from store.errors import (
    ConcurrencyError,
    DuplicateKeyError,
    ImmutableEventError,
    ImportRefusedError,
    SchemaError,
    SchemaTooNewError,
    StoreError,
    StoreReadOnlyError,
    StoreUnavailableError,
    ViewOutdatedError,
)
from store.events import (
    GENESIS_HASH,
    NewEvent,
    RecordedEvent,
    format_time,
    parse_time,
    uuid7,
)
from store.eventstore import EventStore
from store.faults import ProjectionFault
from store.leases import Lease, Leases, free_gone_here, process_alive
from store.migrate import SchemaState, schema_state, upgrade
from store.projection import Checkpoint, EventsAt, Projection, ReplayResult, view_table
from store.projections import ProjectionRunner
from store.stale import catch_up_or_stale
from store.transfer import export_lines, import_lines
from store.upcasting import Upcasters
from store.urls import (
    check_url,
    display_url,
    hide_secrets,
    normalise_url,
    sqlite_file,
    sqlite_in_memory,
    sqlite_unnamed_memory,
)

__all__ = [
    "GENESIS_HASH",
    "Checkpoint",
    "ConcurrencyError",
    "DuplicateKeyError",
    "EventStore",
    "EventsAt",
    "ImmutableEventError",
    "ImportRefusedError",
    "Lease",
    "Leases",
    "NewEvent",
    "Projection",
    "ProjectionFault",
    "ProjectionRunner",
    "RecordedEvent",
    "ReplayResult",
    "SchemaError",
    "SchemaState",
    "SchemaTooNewError",
    "StoreError",
    "StoreReadOnlyError",
    "StoreUnavailableError",
    "StreamAppend",
    "Upcasters",
    "VerifyResult",
    "ViewOutdatedError",
    "canonical_json",
    "catch_up_or_stale",
    "check_url",
    "display_url",
    "export_lines",
    "format_time",
    "free_gone_here",
    "hide_secrets",
    "import_lines",
    "make_engine",
    "normalise_url",
    "parse_time",
    "process_alive",
    "schema_state",
    "sqlite_file",
    "sqlite_in_memory",
    "sqlite_unnamed_memory",
    "upgrade",
    "uuid7",
    "view_table",
]
