"""The direct append path's chaining (store/direct.py): the rows of a whole append, each
hashed over the one before, optionally handed over in pieces as they are made."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from store.append import Row, StreamAppend, _Chain, chained_row
from store.canonical import canonical_bytes
from store.events import GENESIS_HASH

#: Rows per piece sent to PostgreSQL while the rest are still being chained
#: (`store.direct_pg.pg_insert`).
PIECE = 25


class Refused(Exception):
    """A unique index or a stream's version refused the append: redo it on the checked path."""


def chain_rows(
    appends: Sequence[StreamAppend],
    head: tuple[int, str] | None,
    versions: dict[str, int],
    recorded_at: str,
    *,
    send: Callable[[_Chain, int], None] | None = None,
) -> tuple[_Chain, list[list[int]]]:
    """The chained rows of every append and each append's positions; refuses an append
    whose stream is not at its expected version (before anything is written when `send`
    is None). With `send`, each `PIECE` rows chained are handed to it with the index of
    the first, and the rest at the end."""
    position, previous = head if head is not None else (0, GENESIS_HASH)
    chain = _Chain(position, previous, recorded_at)
    versions = dict(versions)
    result = []
    start = 0
    for append in appends:
        version = _version(append, versions)
        named = [(str(e.event_id), e) for e in append.events]
        positions: list[int] = []
        step = PIECE if send is not None else max(len(named), 1)
        for at in range(0, len(named), step):
            part, version = chain.add(append.stream_id, version, named[at : at + step], {})
            positions += part
            if send is not None and len(chain.rows) - start >= PIECE:
                send(chain, start)
                start = len(chain.rows)
        versions[append.stream_id] = version
        result.append(positions)
    if send is not None and len(chain.rows) > start:
        send(chain, start)
    return chain, result


def one_row(
    append: StreamAppend,
    head: tuple[int, str] | None,
    versions: dict[str, int],
    recorded_at: str,
) -> Row:
    """`chain_rows` for an append of one event, the commonest: its row, without the lists
    and per-row dicts a chain of many keeps. Refuses a stream not at its expected version,
    as `chain_rows` does."""
    version = _version(append, versions)
    position, previous = head if head is not None else (0, GENESIS_HASH)
    [event] = append.events
    metadata_json = canonical_bytes(event.metadata) if event.metadata else b"{}"
    return chained_row(
        previous,
        position + 1,
        str(event.event_id),
        append.stream_id,
        version + 1,
        event,
        metadata_json,
        recorded_at,
    )


def _version(append: StreamAppend, versions: dict[str, int]) -> int:
    """The stream's version, refused (`Refused`) when it is not the one the append expects:
    stale, or a retry of an append already stored; the checked path knows which."""
    version = versions.get(append.stream_id, 0)
    if append.expected_version is not None and version != append.expected_version:
        raise Refused
    return version
