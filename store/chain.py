"""The hash chain: reading stored rows as they are, and verifying that nothing was changed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from store import schema
from store.events import GENESIS_HASH, event_hash
from store.sql import reading

_events = schema.events
_keys = schema.event_keys


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """`ok`, or the first position whose stored hash does not match its recomputed one."""

    ok: bool
    events: int
    broken_at: int | None = None
    reason: str = ""


def raw_rows(engine: Engine, *, batch_size: int = 1000) -> Iterator[dict[str, Any]]:
    """Every stored row as stored (JSON as text), with its unique keys, in position order."""
    cursor = 0
    while True:
        with reading(engine) as conn:
            rows = conn.execute(
                select(_events)
                .where(_events.c.position > cursor)
                .order_by(_events.c.position)
                .limit(batch_size)
            ).all()
            if not rows:
                return
            keys: dict[int, list[str]] = defaultdict(list)
            for key, position in conn.execute(
                select(_keys.c.key, _keys.c.position).where(
                    _keys.c.position.between(rows[0].position, rows[-1].position)
                )
            ):
                keys[position].append(key)
        for row in rows:
            record = dict(row._mapping)
            record["keys"] = sorted(keys.get(row.position, ()))
            yield record
        cursor = rows[-1].position


def expected_hash(previous: str, row: dict[str, Any]) -> str:
    return event_hash(
        previous,
        position=row["position"],
        event_id=row["event_id"],
        stream_id=row["stream_id"],
        stream_version=row["stream_version"],
        type=row["type"],
        schema_version=row["schema_version"],
        data_json=row["data"],
        metadata_json=row["metadata"],
        recorded_at=row["recorded_at"],
        keys=tuple(row["keys"]),
    )


def verify(engine: Engine) -> VerifyResult:
    """Walk the whole log, recomputing each hash from its row and the previous hash."""
    previous = GENESIS_HASH
    count = 0
    for row in raw_rows(engine):
        count += 1
        if row["position"] != count:
            return VerifyResult(False, count - 1, row["position"], f"expected position {count}")
        if expected_hash(previous, row) != row["hash"]:
            return VerifyResult(False, count - 1, row["position"], "stored hash does not match")
        previous = row["hash"]
    return VerifyResult(True, count)
