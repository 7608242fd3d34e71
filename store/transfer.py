"""Export the log as JSON Lines and import it into an empty store, verifying the chain.

An export is framed: a first line naming the format, one line per event, and an end line
with the number of events and the head hash. The chain proves that the events it holds
belong together, not that none are missing after the last: a file cut exactly between two
lines (a full disk, a copy stopped half-way) is a shorter log whose chain holds, and only
the end line tells it from the whole. Files written before the frame (no first line) still
import; the result says that their completeness could not be checked.

An import file is untrusted: every line is checked (store/import_checks.py) and the first
bad line refuses the whole file with `<file>: line N: what is wrong`, writing nothing.
Duplicates are looked up batch by batch in what was already loaded, so memory stays flat
for any file size.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from sqlalchemy import Connection, func, insert, select

from store import schema
from store.canonical import canonical_json
from store.chain import expected_hash, raw_rows
from store.errors import ImportRefusedError
from store.events import GENESIS_HASH, record_to_json
from store.eventstore import EventStore
from store.import_checks import DataCheck, LineError, parse_line
from store.sql import lookup, write_transaction

_BATCH = 1000
_events, _keys = schema.events, schema.event_keys
#: The format's name, in its first line and its end line; version 1 had neither.
FORMAT, VERSION = "newsledger-export", 2


class Imported(NamedTuple):
    """What an import loaded: its events, and whether an end line vouched that they are
    all the file was written with (False only for a file from before the frame)."""

    events: int
    complete: bool


def export_lines(store: EventStore) -> Iterator[str]:
    """The export, line by line (newlines not included): the format line, one canonical
    JSON line per event in position order, and the end line with the count and head hash.
    The end line is written after the last row read, so it describes what was exported
    even while appends go on."""
    yield canonical_json({"format": FORMAT, "version": VERSION})
    count, head = 0, GENESIS_HASH
    for row in raw_rows(store.engine):
        yield record_to_json(row)
        count, head = count + 1, row["hash"]
    yield canonical_json({"end": FORMAT, "events": count, "head": head})


def import_lines(
    store: EventStore,
    lines: Iterable[str],
    *,
    check: DataCheck | None = None,
) -> Imported:
    """Load an exported log into an empty store in one transaction.

    Refuses a non-empty store, a malformed, out-of-range or truncated line, data that
    `check` refuses, a duplicate event id, key or stream version, a broken chain, and a
    framed file whose end line is missing or disagrees with its events: on any refusal
    nothing is written.
    """
    with write_transaction(store.engine, append_lock=True) as conn:
        if conn.execute(select(func.count()).select_from(_events)).scalar():
            raise ImportRefusedError("the store is not empty: import only into a new database")
        previous = GENESIS_HASH
        count, number = 0, 0
        framed = ended = False
        batch: list[tuple[int, dict[str, Any]]] = []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"line {number}"
            if ended:
                raise ImportRefusedError(f"{where}: more after the end line")
            try:
                row = parse_line(line, check=check)
            except LineError as exc:
                # Frame lines are two in a file: read as such only when not an event.
                frame = _frame(line)
                if frame == "format" and count == 0 and not framed:
                    framed = True
                    continue
                if frame == "other version":
                    raise ImportRefusedError(
                        f"{where}: an export in another version of the format than {VERSION}"
                        " (and 1, which has no format line): import it with the newsledger"
                        " that wrote it"
                    ) from None
                if frame == "end" and framed:
                    _check_end(where, json.loads(line), count, previous)
                    ended = True
                    continue
                raise ImportRefusedError(f"{where}: {exc}") from None
            count += 1
            if row["position"] != count:
                raise ImportRefusedError(f"{where}: position {row['position']}, expected {count}")
            if expected_hash(previous, row) != row["hash"]:
                raise ImportRefusedError(
                    f"{where}: hash chain broken at position {row['position']}"
                )
            previous = row["hash"]
            batch.append((number, row))
            if len(batch) >= _BATCH:
                _load(conn, batch)
                batch = []
        if count == 0 and not framed:
            # A v1 export of an empty store was empty too, but importing it changes nothing:
            # an empty file is far likelier an export or a copy that failed.
            raise ImportRefusedError(
                "the file holds no events and no format line: not an export (an export"
                " of this version holds its format and end lines even for an empty store)"
            )
        if framed and not ended:
            raise ImportRefusedError(
                f"the file ends after line {number} ({count} events) without its end line: "
                "truncated"
            )
        _load(conn, batch)
    return Imported(count, complete=framed)


def _frame(line: str) -> str | None:
    """ "format" or "end" for this format's first or end line, "other version" for the
    first line of another version of the format, else None."""
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict):
        return None
    if value.get("format") == FORMAT and set(value) == {"format", "version"}:
        return "format" if value["version"] == VERSION else "other version"
    if value.get("end") == FORMAT and set(value) == {"end", "events", "head"}:
        return "end"
    return None


def _check_end(where: str, end: dict[str, Any], count: int, head: str) -> None:
    if end["events"] != count or isinstance(end["events"], bool):
        raise ImportRefusedError(
            f"{where}: the end line counts {str(end['events'])[:40]} events, the file holds "
            f"{count}: events are missing"
        )
    if end["head"] != head:
        raise ImportRefusedError(f"{where}: the end line's head hash is not the last event's")


def _load(conn: Connection, batch: list[tuple[int, dict[str, Any]]]) -> None:
    """Insert one batch after checking it against itself and everything loaded before it."""
    if not batch:
        return
    _refuse_duplicates(conn, batch)
    key_rows = [
        {"key": key, "position": row["position"]} for _, row in batch for key in row["keys"]
    ]
    conn.execute(
        insert(_events), [{k: v for k, v in row.items() if k != "keys"} for _, row in batch]
    )
    if key_rows:
        conn.execute(insert(_keys), key_rows)


def _refuse_duplicates(conn: Connection, batch: list[tuple[int, dict[str, Any]]]) -> None:
    ids = lookup(conn, _events.c.event_id, _events.c.position, [r["event_id"] for _, r in batch])
    keys = lookup(conn, _keys.c.key, _keys.c.position, [k for _, r in batch for k in r["keys"]])
    streams = sorted({r["stream_id"] for _, r in batch})
    versions: dict[str, int] = {}
    for start in range(0, len(streams), 500):
        query = (
            select(_events.c.stream_id, func.max(_events.c.stream_version))
            .where(_events.c.stream_id.in_(streams[start : start + 500]))
            .group_by(_events.c.stream_id)
        )
        versions.update({stream: int(version) for stream, version in conn.execute(query)})
    for number, row in batch:
        where = f"line {number}"
        if row["event_id"] in ids:
            raise ImportRefusedError(
                f"{where}: event_id {row['event_id']} repeats the event at position "
                f"{ids[row['event_id']]}"
            )
        ids[row["event_id"]] = row["position"]
        for key in row["keys"]:
            if key in keys:
                raise ImportRefusedError(
                    f"{where}: key {key[:80]!r} is already claimed at position {keys[key]}"
                )
            keys[key] = row["position"]
        stream, version = row["stream_id"], row["stream_version"]
        expected = versions.get(stream, 0) + 1
        if version != expected:
            raise ImportRefusedError(
                f"{where}: stream {stream[:80]!r} version {version}, expected {expected}"
            )
        versions[stream] = version
