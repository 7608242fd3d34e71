"""The SQL text of the direct append path (store/direct.py), written once so that each
driver prepares it once per connection."""

from __future__ import annotations

from store.append import ROW_COLUMNS
from store.sql import APPEND_LOCK, schema_lock

_NAMES = ", ".join(f'"{c}"' for c in ROW_COLUMNS)

HEAD = 'SELECT "position", "hash" FROM events ORDER BY "position" DESC LIMIT 1'

# SQLite: the head and one stream's version in one statement.
SQLITE_STATE = (
    'SELECT (SELECT "position" FROM events ORDER BY "position" DESC LIMIT 1),'
    ' (SELECT "hash" FROM events ORDER BY "position" DESC LIMIT 1),'
    " (SELECT max(stream_version) FROM events WHERE stream_id = ?)"
)
SQLITE_VERSIONS = (
    "SELECT stream_id, max(stream_version) FROM events WHERE stream_id IN ({}) GROUP BY 1"
)
# The JSON columns arrive as UTF-8 bytes (what was hashed): CAST makes them TEXT without
# a conversion, where binding a str had the driver encode each ~5 KB document once more.
_JSON = {"data", "metadata"}
_MARKS = ", ".join("CAST(? AS TEXT)" if c in _JSON else "?" for c in ROW_COLUMNS)
SQLITE_EVENTS = f"INSERT INTO events ({_NAMES}) VALUES ({_MARKS})"
SQLITE_KEYS = 'INSERT INTO event_keys ("key", "position") VALUES (?, ?)'

# PostgreSQL. The arrays go in binary (`%b`): psycopg's text form escapes every quote of
# every JSON document in Python. The lock is its own statement, so that the statements
# after it take their snapshot once it is held. Sequential scans are forbidden as on the
# checked path (stale statistics on a young table chose them for these point look-ups).
PG_LOCK = f"SELECT set_config('enable_seqscan', 'off', true), {schema_lock(APPEND_LOCK)}"
PG_STATE = (
    f'SELECT NULL::text, "position", "hash" FROM ({HEAD}) AS head UNION ALL'
    " SELECT stream_id, max(stream_version), NULL FROM events"
    " WHERE stream_id = ANY(%s) GROUP BY stream_id"
)
# The JSON columns go as bytea (the UTF-8 bytes that were hashed), decoded by the server:
# psycopg would otherwise encode each ~5 KB text in Python.
_TYPES = ("bigint", "text", "text", "int", "text", "int", "bytea", "bytea", "text", "text")
_VALUES = ", ".join(
    f"convert_from(c{i}, 'UTF8')" if t == "bytea" else f"c{i}" for i, t in enumerate(_TYPES)
)
PG_EVENTS = (
    f"INSERT INTO events ({_NAMES}) SELECT {_VALUES} FROM unnest("
    + ", ".join(f"%b::{t}[]" for t in _TYPES)
    + f") AS r({', '.join(f'c{i}' for i in range(len(_TYPES)))})"
)
PG_KEYS = (
    'INSERT INTO event_keys ("key", "position") SELECT * FROM unnest(%b::text[], %b::bigint[])'
)
# The same, inserting only if the log's head and the streams' versions are still those
# the rows were chained on (parameters after the arrays: head position twice, head hash,
# stream ids, their versions); and the keys only if the first of those rows went in.
PG_EVENTS_IF = (
    PG_EVENTS + ' WHERE (SELECT coalesce(max("position"), 0) FROM events) = %s'
    ' AND (SELECT "hash" FROM events WHERE "position" = %s) IS NOT DISTINCT FROM %s::text'
    " AND NOT EXISTS (SELECT 1 FROM unnest(%s::text[], %s::int[]) AS s(id, v)"
    " WHERE coalesce((SELECT max(e.stream_version) FROM events AS e"
    " WHERE e.stream_id = s.id), 0) <> s.v)"
)
PG_KEYS_IF = (
    PG_KEYS + ' WHERE EXISTS (SELECT 1 FROM events WHERE "position" = %s AND event_id = %s)'
)

# One event to one stream, the commonest append: the same, with one scalar parameter per
# column. psycopg dumps scalars in C but arrays in Python, ~20 µs an array: most of the
# client's time for a single event.
_ONE = ", ".join("convert_from(%b::bytea, 'UTF8')" if t == "bytea" else f"%b::{t}" for t in _TYPES)
PG_EVENT_IF = (
    f"INSERT INTO events ({_NAMES}) SELECT {_ONE}"
    ' WHERE (SELECT coalesce(max("position"), 0) FROM events) = %b::bigint'
    ' AND (SELECT "hash" FROM events WHERE "position" = %b::bigint) IS NOT DISTINCT FROM %b::text'
    " AND coalesce((SELECT max(stream_version) FROM events WHERE stream_id = %b::text), 0)"
    " = %b::int"
)

# The same in one statement (migration 0006), run in autocommit: one round trip, commit
# included. Arguments: the row's columns, the hash before it, its keys (NULL for none).
PG_APPEND_ONE = (
    "SELECT newsledger_append_one("
    + ", ".join(f"%b::{t}" for t in (*_TYPES, "text", "text[]"))
    + ")"
)
