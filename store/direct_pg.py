"""The direct append path's PostgreSQL inserts (store/direct.py): a batch in pieces sent as
they are chained, and one row where `newsledger_append_one` is missing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from store import direct_sql as q
from store.append import Row, StreamAppend, _Chain
from store.direct_chain import chain_rows


def pg_insert(
    conn: Any,
    appends: Sequence[StreamAppend],
    head: tuple[int, str] | None,
    versions: dict[str, int],
    recorded_at: str,
    *,
    checked: bool,
) -> tuple[_Chain, list[list[int]], bool]:
    """Chain the rows of `appends` on `head` and `versions`, insert them and commit, in
    one pipelined round trip; returns the chain, each append's positions and whether the
    rows went in.

    The rows go to the server in pieces of `PIECE`, each sent as soon as it is chained:
    the server inserts one piece (most of a batched append's time, with four indexes and
    lz4) while this process hashes the next, on the machine's other core. `checked`: the
    head and versions were assumed, not read under the lock, so the lock is taken first,
    the first piece goes in only if the log is at `head` and every stream of `appends` at
    its version in `versions`, and each later piece only if the one before it is the
    log's head: all of it goes in, or none."""
    sent: list[Any] = []

    def send(chain: _Chain, start: int) -> None:
        rows = chain.rows[start:]
        columns = [list(c) for c in zip(*(r.values() for r in rows), strict=True)]
        cursor = conn.cursor()
        sent.append(cursor)
        if not checked:
            cursor.execute(q.PG_EVENTS, columns, prepare=True)
            return
        position = rows[0]["position"] - 1
        if start:
            # Under the lock nothing moves but these rows: the piece before being the
            # head proves it went in, and so every piece before it.
            state = [position, position, chain.rows[start - 1]["hash"], [], []]
        else:
            # Every stream of the append, not only the first piece's: once a piece is
            # in, nothing after it may be refused (the commit follows without a look).
            streams = sorted(versions)
            digest = head[1] if head is not None else None
            state = [position, position, digest, streams, [versions[s] for s in streams]]
        cursor.execute(q.PG_EVENTS_IF, [*columns, *state], prepare=True)

    with conn.pipeline():
        if checked:
            with conn.cursor() as lock:
                lock.execute(q.PG_LOCK, prepare=True)
        try:
            chain, result = chain_rows(appends, head, versions, recorded_at, send=send)
            if chain.key_rows:
                keys = _key_arrays(chain)
                with conn.cursor() as more:
                    if checked:
                        first = chain.rows[0]
                        condition = [first["position"], first["event_id"]]
                        more.execute(q.PG_KEYS_IF, [*keys, *condition], prepare=True)
                    else:
                        more.execute(q.PG_KEYS, keys, prepare=True)
            conn.commit()
            count = sum(c.rowcount for c in sent)
            if 0 < count < len(chain.rows):  # the checks above make this impossible
                raise AssertionError(f"{count} of {len(chain.rows)} rows went in")
            inserted = count == len(chain.rows)
        finally:
            for cursor in sent:
                cursor.close()
    return chain, result, inserted


def pg_insert_one_row(
    conn: Any, row: Row, keys: list[str], expect: dict[str, int], head: tuple[int, str] | None
) -> bool:
    """Insert one already chained `row` and its `keys` (a schema without
    `newsledger_append_one`) if the log is still at `head` and its stream at its version
    in `expect`, and commit."""
    position, digest = head if head is not None else (0, None)
    ((stream, version),) = expect.items()
    one = [position, position, digest, stream, version]
    with conn.pipeline(), conn.cursor() as lock, conn.cursor() as events, conn.cursor() as more:
        lock.execute(q.PG_LOCK, prepare=True)
        events.execute(q.PG_EVENT_IF, [*row, *one], prepare=True)
        if keys:
            more.execute(q.PG_KEYS_IF, [keys, [row[0]] * len(keys), row[0], row[1]])
        conn.commit()
        return bool(events.rowcount == 1)


def _key_arrays(chain: _Chain) -> tuple[list[str], list[int]]:
    """The chain's key claims as the two arrays the keys' INSERT unnests."""
    return [k["key"] for k in chain.key_rows], [k["position"] for k in chain.key_rows]
