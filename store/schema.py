"""The store's own tables. Alembic migrations in `store/migrations` create exactly these."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

events = Table(
    "events",
    metadata,
    # Positions are assigned by the writer while it holds the append lock, so they are
    # gapless and commit order equals position order (see DESIGN.md, "Ordering"). On
    # SQLite the position is the rowid (INTEGER PRIMARY KEY, migration 0005): one B-tree
    # fewer per append, and replay reads the table in its own order.
    Column(
        "position",
        BigInteger().with_variant(Integer(), "sqlite"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("stream_id", String(200), nullable=False),
    Column("stream_version", Integer, nullable=False),
    Column("type", String(200), nullable=False),
    Column("schema_version", Integer, nullable=False),
    # JSON kept as canonical text, not JSONB: export must give back the bytes we hashed.
    Column("data", Text, nullable=False),
    Column("metadata", Text, nullable=False),
    Column("recorded_at", String(27), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("stream_id", "stream_version", name="uq_events_stream_version"),
)
Index("ix_events_type_position", events.c.type, events.c.position)

event_keys = Table(
    "event_keys",
    metadata,
    Column("key", String(600), primary_key=True),
    Column("position", BigInteger, nullable=False),
    # One B-tree keyed by the text on SQLite, not a rowid table beside an index.
    sqlite_with_rowid=False,
)

projection_checkpoints = Table(
    "projection_checkpoints",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("position", BigInteger, nullable=False),
    # Views live in tables suffixed with their generation; replay builds generation N+1
    # beside N and swaps by updating this row, so readers never see a half-built view.
    Column("generation", Integer, nullable=False),
    # What the current generation was built from besides the log (store/fingerprints.py);
    # NULL: nothing, or not known (a view built before the column).
    Column("fingerprint", String(64)),
)

# Unlike the log, leases are mutable state: a row per name, claimed, renewed and released
# in place (see store/leases.py). `expires_at` uses the log's fixed-width UTC text form,
# so comparing it as text compares the times.
leases = Table(
    "leases",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("owner", String(200), nullable=False, index=True),
    Column("expires_at", String(27), nullable=False),
)

# An event a projection could not apply (store/faults.py): recorded, skipped and listed by
# `status`, so one poison event never stops a view for ever. Rows belong to one generation
# of the projection; a replay applies every event again and starts a fresh list.
projection_faults = Table(
    "projection_faults",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("generation", Integer, primary_key=True),
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("event_id", String(36), nullable=False),
    Column("type", String(200), nullable=False),
    Column("error", Text, nullable=False),
    Column("recorded_at", String(27), nullable=False),
)

# Notes are what a process remembers across restarts that is not a fact (store/notes.py):
# one JSON document per name, replaced in place, never exported, never replayed.
notes = Table(
    "notes",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", String(27), nullable=False),
)
