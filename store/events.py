"""Values that cross the store boundary: events to append, events read back, and their hashes."""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from store.canonical import canonical_json

JSON = dict[str, Any]

#: The hash that the first event's hash chains to.
GENESIS_HASH = "0" * 64


def uuid7() -> uuid.UUID:
    """A random UUID whose first 48 bits are the time in milliseconds (RFC 9562, version 7).

    The default event id: ids that grow with time land at the end of the unique index on
    `events.event_id`, where random ones dirtied a different index page per event (20 % more
    bytes written, and slower, for batches of 100 ~5 KB events on SQLite).
    """
    value = time.time_ns() // 1_000_000 << 80 | int.from_bytes(os.urandom(10)) & _RANDOM
    return uuid_from_int(value | _VERSION_7)


def uuid_from_int(value: int) -> uuid.UUID:
    """`uuid.UUID(int=value)` for a `value` known to be in range, without the checks and
    keyword handling of its constructor, in Python: 0.2 µs instead of 0.6. Every event
    appended makes one (its id) and every event read back one more. The fields are set as
    the constructor sets them, through the slots' own setters."""
    made = _new_object(uuid.UUID)
    _put_int(made, value)
    _put_safe(made, _UNKNOWN)
    return made


_RANDOM = (1 << 80) - 1 & ~(0xF << 76) & ~(0x3 << 62)  # all but the version and variant bits
_VERSION_7 = 0x7 << 76 | 0x2 << 62  # version 7, RFC 4122 variant (binary 10)
_new_object = object.__new__
_put_int = vars(uuid.UUID)["int"].__set__
_put_safe = vars(uuid.UUID)["is_safe"].__set__
_UNKNOWN = uuid.SafeUUID.unknown


def format_time(moment: datetime) -> str:
    """An ISO 8601 UTC timestamp with microseconds and a `Z`, the one form the log uses."""
    if moment.tzinfo is None:
        raise ValueError("timestamps in the log must be timezone-aware")
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    # isoformat, not strftime: 1.1 µs instead of 1.8 per append, and it pads years before
    # 1000 to four digits as `parse_time` expects ("%Y" gave "999-...", 26 characters).
    return moment.isoformat(timespec="microseconds")[:-6] + "Z"


def parse_time(text: str) -> datetime:
    """The inverse of `format_time`."""
    # fromisoformat is ~10x faster than strptime, and replay parses one per event.
    if not (len(text) == 27 and text.endswith("Z") and text[10] == "T"):
        raise ValueError(f"not a log timestamp: {text!r}")
    return datetime.fromisoformat(text)


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event a writer wants to append.

    `keys` are unique claims checked in the append transaction: if any key is already
    claimed by a stored event the whole append fails with `DuplicateKeyError`. Ingestion
    uses them for content-hash dedup without the store knowing what a hash is.
    """

    type: str
    data: JSON
    metadata: JSON = field(default_factory=dict)
    event_id: uuid.UUID = field(default_factory=uuid7)
    schema_version: int = 1
    keys: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """An event as stored in the log."""

    position: int
    event_id: uuid.UUID
    stream_id: str
    stream_version: int
    type: str
    schema_version: int
    data: JSON
    metadata: JSON
    recorded_at: datetime
    hash: str


def event_hash(
    previous_hash: str,
    *,
    position: int,
    event_id: uuid.UUID | str,
    stream_id: str,
    stream_version: int,
    type: str,
    schema_version: int,
    data_json: str | bytes,
    metadata_json: str | bytes,
    recorded_at: str,
    keys: tuple[str, ...] = (),
) -> str:
    """SHA-256 over the previous hash and every stored field (and the event's unique keys),
    so changing, removing or reordering anything breaks the chain from that event on.

    Each field is fed as `<length>:<value>` (lengths in UTF-8 bytes), so no two different
    rows hash the same input; JSON-encoding the row again would cost more than the digest.
    The JSON columns may come as their UTF-8 bytes (what `canonical_bytes` writes): the
    digest is the same, without encoding a ~5 KB text once more.
    """
    data = data_json if isinstance(data_json, bytes) else data_json.encode("utf-8")
    meta = metadata_json if isinstance(metadata_json, bytes) else metadata_json.encode("utf-8")
    eid = str(event_id)
    if not (
        previous_hash.isascii()
        and eid.isascii()
        and stream_id.isascii()
        and type.isascii()
        and recorded_at.isascii()
    ):
        return _hash_fields(
            previous_hash,
            [str(position), eid, stream_id, str(stream_version), type, str(schema_version)],
            data,
            meta,
            recorded_at,
            keys,
        )
    # ASCII text has as many UTF-8 bytes as characters: the fields before the document
    # as one formatted text, and the digest fed in three pieces without joining the ~6 KB
    # document into a new buffer (the field-by-field form below cost 12 us an event
    # against 5 us for SHA-256 itself; both give the same digest, tests/store/test_chain).
    pos, ver, schema = str(position), str(stream_version), str(schema_version)
    head = (
        f"{previous_hash}{len(pos)}:{pos}{len(eid)}:{eid}{len(stream_id)}:{stream_id}"
        f"{len(ver)}:{ver}{len(type)}:{type}{len(schema)}:{schema}{len(data)}:"
    )
    digest = hashlib.sha256(head.encode())
    digest.update(data)
    tail = b"%d:%b%d:%b" % (len(meta), meta, len(recorded_at), recorded_at.encode())
    if keys:
        for key in sorted(keys):
            encoded = key.encode("utf-8")
            tail += b"%d:%b" % (len(encoded), encoded)
    digest.update(tail)
    return digest.hexdigest()


def _hash_fields(
    previous_hash: str,
    head_fields: list[str],
    data: bytes,
    meta: bytes,
    recorded_at: str,
    keys: tuple[str, ...],
) -> str:
    """`event_hash` field by field: each as `<length in UTF-8 bytes>:<value>`."""
    head = [value.encode("utf-8") for value in head_fields]
    tail = [recorded_at.encode("utf-8"), *(k.encode("utf-8") for k in sorted(keys))]
    parts = [previous_hash.encode("ascii")]
    for value in (*head, data, meta, *tail):
        parts.append(b"%d:" % len(value))
        parts.append(value)
    return hashlib.sha256(b"".join(parts)).hexdigest()


def record_to_json(row: Mapping[str, Any]) -> str:
    """One exported line for a stored row (columns as stored, JSON columns embedded as text)."""
    return canonical_json(
        {
            "position": row["position"],
            "event_id": str(row["event_id"]),
            "stream_id": row["stream_id"],
            "stream_version": row["stream_version"],
            "type": row["type"],
            "schema_version": row["schema_version"],
            "data": row["data"],
            "metadata": row["metadata"],
            "recorded_at": row["recorded_at"],
            "hash": row["hash"],
            "keys": sorted(row["keys"]),
        }
    )
