"""SQLite: `events.position` becomes the table's rowid, and `event_keys` a WITHOUT ROWID table.

As `BIGINT PRIMARY KEY` the position was not SQLite's rowid but a unique index beside a
hidden one, so every append wrote one more B-tree (one more page to the WAL per commit)
and replay walked that index, then looked each row up in the table. `INTEGER PRIMARY KEY`
makes the position the rowid itself; `event_keys` keyed by its text, WITHOUT ROWID, is one
B-tree instead of two. A single-event append on SQLite wrote 4-6 16 KiB pages; README,
store benchmark.

The tables are rebuilt in the migration's transaction: every row is copied as it is (the
hashes cover values, not storage), in position order, and the immutability triggers are
created again. An existing log is copied once, at about the rate of a batched append.
PostgreSQL is left as it is (its primary key is already the one index).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_COLUMNS = (
    '"position", event_id, stream_id, stream_version, "type", schema_version, data,'
    " metadata, recorded_at, hash"
)

_EVENTS = """CREATE TABLE events (
    "position" INTEGER NOT NULL PRIMARY KEY,
    event_id VARCHAR(36) NOT NULL UNIQUE,
    stream_id VARCHAR(200) NOT NULL,
    stream_version INTEGER NOT NULL,
    "type" VARCHAR(200) NOT NULL,
    schema_version INTEGER NOT NULL,
    data TEXT NOT NULL,
    metadata TEXT NOT NULL,
    recorded_at VARCHAR(27) NOT NULL,
    hash VARCHAR(64) NOT NULL,
    CONSTRAINT uq_events_stream_version UNIQUE (stream_id, stream_version)
)"""

_KEYS = """CREATE TABLE event_keys (
    "key" VARCHAR(600) NOT NULL PRIMARY KEY,
    "position" BIGINT NOT NULL
) WITHOUT ROWID"""

# As created by 0001 (dropped with the old tables).
_TRIGGERS = [
    """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
       BEGIN SELECT RAISE(ABORT, 'newsledger: events are immutable'); END""",
    """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
       BEGIN SELECT RAISE(ABORT, 'newsledger: events are immutable'); END""",
    """CREATE TRIGGER event_keys_no_update BEFORE UPDATE ON event_keys
       BEGIN SELECT RAISE(ABORT, 'newsledger: event keys are immutable'); END""",
    """CREATE TRIGGER event_keys_no_delete BEFORE DELETE ON event_keys
       BEGIN SELECT RAISE(ABORT, 'newsledger: event keys are immutable'); END""",
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # Renaming a table renames it in its triggers too; DROP TABLE drops a table's
    # triggers before it empties it, so the old rows go without firing them.
    op.execute("ALTER TABLE events RENAME TO events_0004")
    op.execute("ALTER TABLE event_keys RENAME TO event_keys_0004")
    op.execute(_EVENTS)
    op.execute(_KEYS)
    op.execute(
        f'INSERT INTO events ({_COLUMNS}) SELECT {_COLUMNS} FROM events_0004 ORDER BY "position"'
    )
    op.execute(
        'INSERT INTO event_keys ("key", "position") SELECT "key", "position"'
        ' FROM event_keys_0004 ORDER BY "key"'
    )
    op.execute("DROP TABLE events_0004")
    op.execute("DROP TABLE event_keys_0004")
    op.execute('CREATE INDEX ix_events_type_position ON events ("type", "position")')
    for statement in _TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    raise NotImplementedError("the event log is never rebuilt backwards by a migration")
