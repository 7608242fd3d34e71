"""The peer store measured beside ours: pyeventsourcing's application recorders (the `bench`
extra), fed the same JSON documents, streams and batch sizes as `EventStore` in store_bench."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Sequence
from typing import Any, Protocol
from urllib.parse import unquote, urlparse

from eventsourcing.persistence import ApplicationRecorder, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteDatastore,
)

TOPIC = "ArticleIngested"


class Peer(Protocol):
    recorder: ApplicationRecorder

    def settings(self) -> str: ...

    def close(self) -> None: ...


class _Pool(SQLiteConnectionPool):
    """The peer's own pool, with `PRAGMA synchronous` set on every connection it opens
    (its default is whatever the SQLite library defaults to: FULL on this machine)."""

    synchronous: str | None = None

    def _create_connection(self) -> SQLiteConnection:
        connection = super()._create_connection()
        if self.synchronous is not None:
            connection._sqlite_conn.execute(f"PRAGMA synchronous={self.synchronous}")
        return connection


class SQLitePeer:
    def __init__(self, path: str, *, synchronous: str | None) -> None:
        self.path = path
        datastore = SQLiteDatastore(path)
        pool = _Pool(db_name=path)
        pool.synchronous = synchronous
        datastore.pool = pool
        self.recorder = SQLiteApplicationRecorder(datastore)
        self.recorder.create_table()

    def settings(self) -> str:
        with self.recorder.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
            cursor.execute("PRAGMA journal_mode")
            journal = cursor.fetchone()[0]
            cursor.execute("PRAGMA synchronous")
            sync = cursor.fetchone()[0]
        return f"journal_mode={journal}, synchronous={_SYNC_NAMES.get(sync, sync)}"

    def close(self) -> None:
        self.recorder.datastore.close()  # type: ignore[attr-defined]


_SYNC_NAMES = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


class PostgresPeer:
    """Its PostgreSQL recorder with database functions (one prepared call per insert)."""

    def __init__(self, url: str, *, schema: str) -> None:
        parsed = urlparse(url.replace("postgresql+psycopg", "postgresql"))
        datastore = PostgresDatastore(
            dbname=parsed.path.lstrip("/"),
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or 5432,
            user=unquote(parsed.username or "postgres"),
            password=unquote(parsed.password or ""),
            schema=schema,
            enable_db_functions=True,
            pool_size=1,
        )
        self.recorder = PostgresApplicationRecorder(datastore)
        self.recorder.create_table()

    def settings(self) -> str:
        with self.recorder.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
            cursor.execute("SHOW synchronous_commit")
            sync = cursor.fetchone()["synchronous_commit"]
        return f"synchronous_commit={sync}, database functions on"

    def close(self) -> None:
        self.recorder.datastore.close()  # type: ignore[attr-defined]


class PeerWriter:
    """Appends documents to the peer the way an application would: JSON-encode the state,
    one originator per stream with its own version counter."""

    def __init__(self, peer: Peer) -> None:
        self.peer = peer
        self.versions: dict[str, int] = {}
        self.ids: dict[str, uuid.UUID] = {}

    def append(self, stream: str, documents: Sequence[dict[str, Any]]) -> None:
        originator = self.ids.get(stream)
        if originator is None:
            originator = self.ids[stream] = uuid.uuid5(uuid.NAMESPACE_URL, stream)
        version = self.versions.get(stream, 0)
        events = []
        for document in documents:
            version += 1
            state = json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
            events.append(StoredEvent(originator, version, TOPIC, state))
        self.versions[stream] = version
        self.peer.recorder.insert_events(events)


def replay(peer: Peer, *, page: int = 1000, keep: bool = False) -> tuple[int, float]:
    """Read every notification back in pages and decode each state: (events, seconds).
    `keep`: hold each page's decoded states until the next page, as `read_batches` hands
    its caller a page of decoded events (writing 1,000 fresh ~10 KB texts per page, not
    reusing one hot buffer, costs CPU caches)."""
    started = time.perf_counter()
    count = 0
    start = 1
    while True:
        notifications = peer.recorder.select_notifications(start, page)
        if keep:
            decoded = [json.loads(n.state.decode("utf8")) for n in notifications]
            assert len(decoded) == len(notifications)
        for notification in () if keep else notifications:
            json.loads(notification.state.decode("utf8"))
        count += len(notifications)
        if len(notifications) < page:
            return count, time.perf_counter() - started
        start = notifications[-1].id + 1
