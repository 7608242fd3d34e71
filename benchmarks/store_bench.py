"""Store benchmark: append and replay throughput against the raw limit of the same database.

Prints, for SQLite and PostgreSQL: batched appends (100 events per call) and single-event
appends of ~5 KB JSON events; a full replay through a no-op projection; the replay
process's peak RSS (measured in a fresh child process) at N and, with --scale, at 10 N
events; and the raw limit measured on the same machine in the same run: SQLAlchemy Core
`executemany` of the same rows into a bare table and a plain SELECT scan of it.

    python benchmarks/store_bench.py [--events 100000] [--single 10000] [--scale] [--no-pg]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    insert,
    select,
    text,
)

from store import (
    EventStore,
    NewEvent,
    Projection,
    ProjectionRunner,
    RecordedEvent,
    canonical_json,
    view_table,
)

PG_URL = os.environ.get(
    "NEWSLEDGER_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
WORDS = (
    "Việt Nam Lào hợp tác đầu tư thương mại hội đàm Thủ tướng Chủ tịch nước kinh tế "
    "tăng trưởng dự án triệu USD tỷ đồng Vientiane Hà Nội meeting talks investment trade "
    "growth percent billion million cooperation delegation official visit"
).split()


def payload(i: int) -> dict[str, Any]:
    """A ~5 KB article-like JSON document, deterministic in `i`."""
    rng = random.Random(i)
    body = " ".join(rng.choices(WORDS, k=860))
    return {
        "article_id": str(uuid.UUID(int=rng.getrandbits(128))),
        "title": " ".join(rng.choices(WORDS, k=10)),
        "text": body,
        "source_id": f"source-{i % 50}",
        "url": f"https://example.org/news/{i}",
        "n": i,
    }


PAYLOADS: list[dict[str, Any]] = []


def prepare(count: int) -> None:
    """Generate the payloads once, outside every timed loop (generation is not storage)."""
    PAYLOADS.extend(payload(i) for i in range(len(PAYLOADS), count))


def batches(count: int, size: int) -> Iterator[list[dict[str, Any]]]:
    prepare(count)
    for start in range(0, count, size):
        yield PAYLOADS[start : min(count, start + size)]


class NoOp(Projection):
    name = "noop"

    def tables(self, generation: int) -> dict[str, Table]:
        return {"t": view_table("bench_noop", generation, Column("id", Integer, primary_key=True))}

    def apply(
        self, conn: Connection, tables: Mapping[str, Table], events: Sequence[RecordedEvent]
    ) -> None:
        return None


def append_batched(store: EventStore, count: int) -> float:
    prepare(count)
    started = time.perf_counter()
    for n, batch in enumerate(batches(count, 100)):
        store.append(f"article-{n % 1000}", [NewEvent("ArticleIngested", p) for p in batch])
    return count / (time.perf_counter() - started)


def append_single(store: EventStore, count: int) -> float:
    prepare(count)
    started = time.perf_counter()
    for i in range(count):
        store.append(f"single-{i % 1000}", [NewEvent("ArticleIngested", PAYLOADS[i])])
    return count / (time.perf_counter() - started)


def raw_insert(url: str, count: int) -> float:
    """The limit: executemany of the same rows (JSON text included) into a bare table."""
    engine = create_engine(url)
    bare = Table(
        "bench_bare",
        MetaData(),
        Column("position", BigInteger, primary_key=True, autoincrement=False),
        Column("event_id", String(36)),
        Column("stream_id", String(200)),
        Column("stream_version", Integer),
        Column("type", String(200)),
        Column("schema_version", Integer),
        Column("data", Text),
        Column("metadata", Text),
        Column("recorded_at", String(27)),
        Column("hash", String(64)),
    )
    bare.drop(engine, checkfirst=True)
    bare.create(engine)
    prepare(count)
    started = time.perf_counter()
    position = 0
    for batch in batches(count, 100):
        rows = []
        for p in batch:
            position += 1
            rows.append(
                {
                    "position": position,
                    "event_id": str(uuid.uuid4()),
                    "stream_id": "s",
                    "stream_version": position,
                    "type": "ArticleIngested",
                    "schema_version": 1,
                    "data": canonical_json(p),
                    "metadata": "{}",
                    "recorded_at": "2026-01-01T00:00:00.000000Z",
                    "hash": "0" * 64,
                }
            )
        with engine.begin() as conn:
            conn.execute(insert(bare), rows)
    rate = count / (time.perf_counter() - started)
    engine.dispose()
    return rate


def raw_scan(url: str) -> float:
    """The limit: a plain SELECT of every row, streamed, JSON decoded as replay does."""
    engine = create_engine(url)
    bare = Table("bench_bare", MetaData(), autoload_with=engine)
    started = time.perf_counter()
    count = 0
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, max_row_buffer=1000).execute(
            select(bare).order_by(bare.c.position)
        )
        for row in result:
            json.loads(row.data)
            count += 1
    rate = count / (time.perf_counter() - started)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE bench_bare"))
    engine.dispose()
    return rate


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


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: ru_maxrss survives exec and would
    report the forking parent's size (which holds every payload) instead of ours."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _replay_here(url: str) -> None:
    store = EventStore.open(url)
    runner = ProjectionRunner(store, [NoOp()], batch_size=1000)
    started = time.perf_counter()
    [result] = runner.replay()
    seconds = time.perf_counter() - started
    peak_mb = peak_rss_mb()
    print(json.dumps({"events": result.events, "rate": result.events / seconds, "rss": peak_mb}))


def bench(name: str, url: str, count: int, single: int, scale: bool) -> None:
    print(f"\n== {name}: {count:,} events of ~{len(canonical_json(payload(0))) / 1024:.1f} KB")
    store = EventStore.open(url)
    batched = append_batched(store, count)
    limit_insert = raw_insert(url, count)
    limit_scan = raw_scan(url)
    replay = replay_child(url)
    print(f"append, batches of 100  {batched:10,.0f} events/s")
    print(f"raw executemany         {limit_insert:10,.0f} rows/s")
    print(f"  ratio                 {batched / limit_insert:10.2f}   (target >= 0.50)")
    print(f"replay (no-op)          {replay['rate']:10,.0f} events/s")
    print(f"raw SELECT scan         {limit_scan:10,.0f} rows/s")
    print(f"  ratio                 {replay['rate'] / limit_scan:10.2f}   (target >= 0.50)")
    print(f"replay peak RSS         {replay['rss']:10.1f} MB  (target < 150 MB)")
    one = append_single(store, single)
    print(f"append, one per tx      {one:10,.0f} events/s  ({single:,} events)")
    if scale:
        append_batched_more(store, count * 9)
        big = replay_child(url)
        growth = big["rss"] / replay["rss"] - 1
        print(
            f"replay peak RSS at {big['events']:,.0f} events: {big['rss']:.1f} MB "
            f"(+{growth:.0%} vs {count:,}; target < +20%), {big['rate']:,.0f} events/s"
        )
    store.close()


def append_batched_more(store: EventStore, count: int) -> None:
    # Reuses the prepared payloads: memory for 10x the payloads would dwarf what we measure.
    for n, start in enumerate(range(0, count, 100)):
        events = [
            NewEvent("ArticleIngested", PAYLOADS[i % len(PAYLOADS)])
            for i in range(start, min(count, start + 100))
        ]
        store.append(f"more-{n % 1000}", events)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--single", type=int, default=10_000)
    parser.add_argument("--scale", action="store_true", help="also replay at 10x events")
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--replay-child", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.replay_child:
        _replay_here(args.replay_child)
        return
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            bench("SQLite", f"sqlite:///{folder}/bench.db", args.events, args.single, args.scale)
    if not args.no_pg:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        try:
            url = f"{PG_URL}?options=-csearch_path%3D{schema}"
            bench("PostgreSQL", url, args.events, args.single, args.scale)
        finally:
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))


if __name__ == "__main__":
    main()
