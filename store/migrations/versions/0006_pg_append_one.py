"""PostgreSQL: `newsledger_append_one`, one event appended in one statement (one round trip).

The commonest append, one event to one stream, cost three round trips' worth of client
work and waiting on the pipelined path (BEGIN and the lock, the conditional INSERT, COMMIT
and the pipeline's closing sync): ~1 ms with `synchronous_commit=off`, where the server's
own work is a fraction of that. Called alone on a connection in autocommit, this function
runs in the statement's own transaction: the lock, the checks and the inserts, committed
when the statement ends. Each statement inside a PL/pgSQL function takes a fresh snapshot,
so the checks after the lock see every append committed before it was granted.

It inserts nothing and returns false when the log's head or the stream's version is not
what the row was chained on; a repeated event id or key fails on the unique indexes as
before. Either way the caller redoes the append on the checked path (store/direct.py).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

from store.sql import APPEND_LOCK, schema_lock

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Arguments: the row's columns (the JSON ones as their UTF-8 bytes, what was hashed), the
# hash of the event before it, and its keys (NULL for none).
_FUNCTION = f"""
CREATE OR REPLACE FUNCTION newsledger_append_one(
    p_position bigint, p_event_id text, p_stream_id text, p_stream_version int,
    p_type text, p_schema_version int, p_data bytea, p_metadata bytea,
    p_recorded_at text, p_hash text, p_previous text, p_keys text[]
) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    head_position bigint;
    head_hash text;
BEGIN
    -- As on the other paths: the append lock, and no sequential scans for point look-ups.
    PERFORM set_config('enable_seqscan', 'off', true), {schema_lock(APPEND_LOCK)};
    SELECT "position", "hash" INTO head_position, head_hash
        FROM events ORDER BY "position" DESC LIMIT 1;
    IF coalesce(head_position, 0) <> p_position - 1
       OR head_hash IS DISTINCT FROM p_previous
       OR coalesce((SELECT max(stream_version) FROM events WHERE stream_id = p_stream_id), 0)
          <> p_stream_version - 1 THEN
        RETURN false;
    END IF;
    INSERT INTO events ("position", event_id, stream_id, stream_version, "type",
                        schema_version, data, metadata, recorded_at, "hash")
    VALUES (p_position, p_event_id, p_stream_id, p_stream_version, p_type,
            p_schema_version, convert_from(p_data, 'UTF8'), convert_from(p_metadata, 'UTF8'),
            p_recorded_at, p_hash);
    IF p_keys IS NOT NULL THEN
        INSERT INTO event_keys ("key", "position") SELECT k, p_position FROM unnest(p_keys) AS k;
    END IF;
    RETURN true;
END $$"""

_ARGUMENTS = "bigint, text, text, int, text, int, bytea, bytea, text, text, text, text[]"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS newsledger_append_one({_ARGUMENTS})")
