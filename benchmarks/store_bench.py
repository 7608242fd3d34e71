"""Store benchmark: our log beside pyeventsourcing (the peer) and the raw limits, in one run.

For SQLite (a file, WAL) and PostgreSQL (the server at NEWSLEDGER_BENCH_PG_URL, in a
throwaway schema) it measures, on the same ~5 KB JSON documents: appends in batches of 100
events, one event per transaction, and replay (read everything back and decode the JSON;
ours through `read_all`, the peer through `select_notifications`). Writers take
turns in rounds (A B, then B A) so that a change of machine load hits both alike, and every
row prints the ratio newsledger / peer. SQLite runs at two durability levels,
`synchronous=NORMAL` (our default) and `FULL` (the peer's default), each store against the
other at the same level; PostgreSQL runs both at the server's `synchronous_commit`.

The raw limits, in the same run: the whole batch in one driver `executemany` transaction
into a bare table (on PostgreSQL with pglz and with lz4 compression), a streamed SELECT
with `json.loads` per row, and on SQLite one row per transaction on the bare driver into
the store's own schema, timed in the same rounds as the single appends (the bound a single
append could reach). Ours is also replayed in a fresh child process for its
peak RSS.

    python benchmarks/store_bench.py [--events 100000] [--single 5000] [--rounds 4]
        [--scale] [--no-pg] [--no-sqlite]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import store_raw
from sqlalchemy import create_engine, event, text
from store_peer import PeerWriter, PostgresPeer, SQLitePeer, replay
from store_support import NoOp, payload, peak_rss_mb, prepare, texts

from store import EventStore, NewEvent, ProjectionRunner, canonical_json, make_engine

PG_URL = os.environ.get(
    "NEWSLEDGER_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
Append = Callable[[str, list[dict[str, Any]]], None]
ROWS: list[tuple[str, str, float, float]] = []


def ours(store: EventStore) -> Append:
    def append(stream: str, documents: list[dict[str, Any]]) -> None:
        store.append(stream, [NewEvent("ArticleIngested", d) for d in documents])

    return append


def rounds(writers: dict[str, Append], count: int, per_call: int, n: int) -> dict[str, float]:
    """Events/s of each writer, appending `count` events `per_call` at a time, in `n`
    rounds whose order alternates."""
    documents = prepare(count)
    seconds = dict.fromkeys(writers, 0.0)
    chunk = count // n // per_call * per_call
    for r in range(n):
        order = list(writers.items())
        for name, append in order if r % 2 == 0 else reversed(order):
            started = time.perf_counter()
            for start in range(r * chunk, (r + 1) * chunk, per_call):
                append(f"stream-{start // per_call % 1000}", documents[start : start + per_call])
            seconds[name] += time.perf_counter() - started
    return {name: n * chunk / s for name, s in seconds.items()}


def row(label: str, durability: str, our_rate: float, peer_rate: float) -> None:
    ROWS.append((label, durability, our_rate, peer_rate))
    print(
        f"  {label:<34} {durability:<7} {our_rate:9,.0f} /s  peer {peer_rate:9,.0f} /s"
        f"  ratio {our_rate / peer_rate:5.2f}",
        flush=True,
    )


def replays(store: EventStore, peer: Any, runs: int = 2) -> tuple[float, float]:
    """Events/s reading the whole log back with its JSON decoded, in rounds A B C D, then
    D C B A: ours through `read_all` (upcast `RecordedEvent`s, one at a time, as the
    peer's loop decodes one document at a time) and the peer through
    `select_notifications`; then ours through `read_batches` against the peer holding each
    decoded page as `read_batches` hands one over (printed, not in the table)."""
    totals = {"ours": [0, 0.0], "peer": [0, 0.0], "pages": [0, 0.0], "kept": [0, 0.0]}
    for r in range(runs):
        for who in list(totals) if r % 2 == 0 else list(totals)[::-1]:
            started = time.perf_counter()
            if who == "ours":
                events = sum(1 for _ in store.read_all(batch_size=1000))
            elif who == "pages":
                events = sum(len(batch) for batch in store.read_batches(batch_size=1000))
            else:
                events, _ = replay(peer, keep=who == "kept")
            totals[who][0] += events
            totals[who][1] += time.perf_counter() - started
    rate = {who: events / seconds for who, (events, seconds) in totals.items()}
    print(
        f"  (pages: ours through read_batches {rate['pages']:,.0f} events/s, the peer"
        f" holding each decoded page {rate['kept']:,.0f} events/s,"
        f" ratio {rate['pages'] / rate['kept']:.2f})"
    )
    return rate["ours"], rate["peer"]


def projection_replay(store: EventStore) -> None:
    """A full replay through a no-op projection (generations, checkpoints): ours alone."""
    started = time.perf_counter()
    [result] = ProjectionRunner(store, [NoOp()], batch_size=1000).replay()
    rate = result.events / (time.perf_counter() - started)
    print(f"  newsledger replay through a no-op projection   {rate:9,.0f} events/s")


def sqlite_store(path: str, synchronous: str) -> EventStore:
    engine = make_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _durability(dbapi_connection: Any, _record: Any) -> None:
        # Runs after the store's own connect hook, which sets NORMAL.
        dbapi_connection.execute(f"PRAGMA synchronous={synchronous}")

    return EventStore(engine)


def sqlite_settings(store: EventStore) -> str:
    with store.reading() as conn:
        journal = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
        sync = conn.exec_driver_sql("PRAGMA synchronous").scalar()
    return f"journal_mode={journal}, synchronous={ {1: 'NORMAL', 2: 'FULL'}.get(sync, sync) }"


def bench_sqlite(args: argparse.Namespace, folder: str) -> None:
    print(f"\n== SQLite {store_raw.sqlite3.sqlite_version}", flush=True)
    stores = {s: sqlite_store(f"{folder}/ours-{s}.db", s) for s in ("NORMAL", "FULL")}
    peers = {s: SQLitePeer(f"{folder}/peer-{s}.db", synchronous=s) for s in ("NORMAL", "FULL")}
    for s in stores:
        print(f"  {s}: newsledger {sqlite_settings(stores[s])}; peer {peers[s].settings()}")
    writers = {f"{who}-{s}": w for s in stores for who, w in _pair(stores[s], peers[s])}
    batched = rounds(writers, args.events, 100, args.rounds)
    for s in stores:
        row("SQLite append, batches of 100", s, batched[f"ours-{s}"], batched[f"peer-{s}"])
    raw = store_raw.rows(texts(), args.events)
    bounds = {
        s: store_raw.SQLiteSingleRows(
            f"{folder}/single-{s}.db", raw, synchronous=s, count=args.single
        )
        for s in stores
    }
    writers.update({f"raw-{s}": bound.append for s, bound in bounds.items()})
    single = rounds(writers, args.single, 1, args.rounds)
    for s in stores:
        row("SQLite append, one per transaction", s, single[f"ours-{s}"], single[f"peer-{s}"])
    for s, bound in bounds.items():
        bound.close()
        _single_bound(s, single[f"raw-{s}"], single[f"ours-{s}"], single[f"peer-{s}"])
    ours_rate, peer_rate = replays(stores["NORMAL"], peers["NORMAL"])
    row("SQLite replay (read back + json.loads)", "", ours_rate, peer_rate)
    insert = store_raw.sqlite_insert(f"{folder}/raw.db", raw, synchronous="NORMAL")
    scan = store_raw.sqlite_scan(f"{folder}/raw.db")
    _limits("SQLite", batched["ours-NORMAL"], ours_rate, {"executemany": insert}, scan)
    projection_replay(stores["NORMAL"])
    _memory(args, f"sqlite:///{folder}/ours-NORMAL.db", stores["NORMAL"])
    for closing in (*stores.values(), *peers.values()):
        closing.close()


def bench_pg(args: argparse.Namespace, schema: str, dsn: str) -> None:
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    store = EventStore.open(url)
    with store.reading() as conn:
        version = conn.exec_driver_sql("SHOW server_version").scalar()
        sync = conn.exec_driver_sql("SHOW synchronous_commit").scalar()
    peer = PostgresPeer(PG_URL, schema=f"{schema}_peer")
    print(f"\n== PostgreSQL {version}", flush=True)
    print(f"  newsledger synchronous_commit={sync}; peer {peer.settings()}")
    writers = dict(_pair(store, peer))
    batched = rounds(writers, args.events, 100, args.rounds)
    row("PostgreSQL append, batches of 100", sync, batched["ours"], batched["peer"])
    single = rounds(writers, args.single, 1, args.rounds)
    row("PostgreSQL append, one per transaction", sync, single["ours"], single["peer"])
    _pg_single_off(args, schema)
    ours_rate, peer_rate = replays(store, peer)
    row("PostgreSQL replay (read back + json.loads)", "", ours_rate, peer_rate)
    raw = store_raw.rows(texts(), args.events)
    inserts = {"executemany, pglz": store_raw.pg_insert(dsn, schema, raw, compression="pglz")}
    if store_raw.pg_has_lz4(dsn):
        inserts["executemany, lz4"] = store_raw.pg_insert(dsn, schema, raw, compression="lz4")
    scan = store_raw.pg_scan(dsn, schema)
    _limits("PostgreSQL", batched["ours"], ours_rate, inserts, scan)
    projection_replay(store)
    _memory(args, url, store)
    store.close()
    peer.close()


def _pg_single_off(args: argparse.Namespace, schema: str) -> None:
    """Single appends again at the second durability setting the issue allows,
    `synchronous_commit=off` for both (a crash may lose the last commits, never order):
    a fresh log each, on connections that set it (ours in its URL, the peer's through
    libpq's PGOPTIONS, which its pool reads on connect)."""
    os.environ["PGOPTIONS"] = "-c synchronous_commit=off"
    try:
        store = EventStore.open(
            f"{PG_URL}?options=-csearch_path%3D{schema}_off%20-csynchronous_commit%3Doff"
        )
        peer = PostgresPeer(PG_URL, schema=f"{schema}_peer_off")
        with store.reading() as conn:
            sync = conn.exec_driver_sql("SHOW synchronous_commit").scalar()
        print(f"  newsledger synchronous_commit={sync}; peer {peer.settings()}")
        single = rounds(dict(_pair(store, peer)), args.single, 1, args.rounds)
        row("PostgreSQL append, one per transaction", str(sync), single["ours"], single["peer"])
        store.close()
        peer.close()
    finally:
        del os.environ["PGOPTIONS"]


def _pair(store: EventStore, peer: Any) -> Iterator[tuple[str, Append]]:
    yield "ours", ours(store)
    yield "peer", PeerWriter(peer).append


def _single_bound(durability: str, raw: float, ours_rate: float, peer_rate: float) -> None:
    """What a single append could be at most with the store's schema, beside both stores
    (the same rounds): a store 1.2 times the peer needs the bound above 1.2 times it."""
    label = f"one row per transaction, {durability}"
    print(
        f"  raw limit, {label:<26} {raw:9,.0f} rows/s   ours/raw {ours_rate / raw:.2f},"
        f" peer/raw {peer_rate / raw:.2f} (the store's schema; rows made ready before)"
    )


def _limits(
    name: str, batched: float, replayed: float, inserts: dict[str, float], scan: float
) -> None:
    for label, rate in inserts.items():
        print(f"  raw limit, {label:<26} {rate:9,.0f} rows/s   batched/raw {batched / rate:.2f}")
    label = "SELECT + json.loads"
    print(f"  raw limit, {label:<26} {scan:9,.0f} rows/s   replay/raw  {replayed / scan:.2f}")


def _memory(args: argparse.Namespace, url: str, store: EventStore) -> None:
    first = replay_child(url)
    print(f"  replay peak RSS ({first['events']:,.0f} events, fresh process) {first['rss']:.1f} MB")
    if args.scale:
        documents = prepare(args.events)
        for n in range(args.events * 9 // 100):
            batch = [documents[(n * 100 + i) % len(documents)] for i in range(100)]
            store.append(f"more-{n % 1000}", [NewEvent("ArticleIngested", d) for d in batch])
        big = replay_child(url)
        print(
            f"  replay peak RSS ({big['events']:,.0f} events) {big['rss']:.1f} MB"
            f" (+{big['rss'] / first['rss'] - 1:.0%}), {big['rate']:,.0f} events/s"
        )


def replay_child(url: str) -> dict[str, float]:
    """Replay in a fresh process so its peak RSS is the replay's alone."""
    output = subprocess.run(
        [sys.executable, __file__, "--replay-child", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return result


def _replay_here(url: str) -> None:
    store = EventStore.open(url)
    started = time.perf_counter()
    [result] = ProjectionRunner(store, [NoOp()], batch_size=1000).replay()
    rate = result.events / (time.perf_counter() - started)
    print(json.dumps({"events": result.events, "rate": rate, "rss": peak_rss_mb()}))


@contextmanager
def pg_schemas() -> Iterator[tuple[str, str]]:
    """Throwaway schemas for us and the peer (and for both at synchronous_commit=off),
    dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL)
    names = [schema, f"{schema}_peer", f"{schema}_off", f"{schema}_peer_off"]
    with admin.begin() as conn:
        for name in names:
            conn.execute(text(f"CREATE SCHEMA {name}"))
    try:
        yield schema, PG_URL.replace("postgresql+psycopg", "postgresql")
    finally:
        with admin.begin() as conn:
            for name in names:
                conn.execute(text(f"DROP SCHEMA {name} CASCADE"))
        admin.dispose()


def summary() -> None:
    print("\n| figure | durability | newsledger | pyeventsourcing | ratio |")
    print("|---|---|---|---|---|")
    for label, durability, our_rate, peer_rate in ROWS:
        print(
            f"| {label} | {durability or 'n/a'} | {our_rate:,.0f} events/s"
            f" | {peer_rate:,.0f} events/s | **{our_rate / peer_rate:.2f}** |"
        )
    print(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--single", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--scale", action="store_true", help="also replay at 10x events")
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--replay-child", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    # SIGTERM runs the `finally` blocks too: the PostgreSQL schemas are dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    if args.replay_child:
        _replay_here(args.replay_child)
        return
    size = len(canonical_json(payload(0)).encode()) / 1024
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{size:.1f} KB JSON documents (UTF-8); load average at the start: {load}")
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            bench_sqlite(args, folder)
    if not args.no_pg:
        with pg_schemas() as (schema, dsn):
            bench_pg(args, schema, dsn)
    summary()


if __name__ == "__main__":
    main()
