"""Worker benchmark: many feed sources on a local server, polled by real worker processes.

For each setup (SQLite with 1 worker, PostgreSQL with 1 and with 3 replicas): N feed
sources on a local HTTP server get K new items each per round, for R rounds; the workers
(`newsledger run --no-serve`) poll them on their interval. Printed per setup: sources
polled per minute, articles appended per second while a round is being ingested, peak
RSS per replica, and the time from an item appearing on the server to a feed
publication that includes it (median and 95th percentile).

    .venv/bin/python benchmarks/worker_bench.py                      # 1,000 x 20 x 3 rounds
    .venv/bin/python benchmarks/worker_bench.py --sources 100 --items 5 --rounds 2 --interval 10

`--saturate` instead shortens the interval step by step until polls fall behind (see
benchmarks/worker_saturation.py) and prints the highest sustained polls/min and articles/s:

    .venv/bin/python benchmarks/worker_bench.py --saturate [--intervals 60,30,15,8,4,2]

Latency = (end of the first catch-up-and-publish whose checkpoint covers the item's log
position, from the workers' JSON log) - (moment the round appeared on the server). It
includes the wait for the source's next poll, so it is bounded below by the interval.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil  # type: ignore[import-untyped]
from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from newsfacts import ARTICLE_INGESTED  # noqa: E402
from store import EventStore  # noqa: E402
from tests.support.feedserver import FeedItem, FeedServer, news_item  # noqa: E402

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

# -- the feed server -------------------------------------------------------------------------


class Feeds:
    """N feeds on the tests' local feed server whose newest K items change each round."""

    def __init__(self, sources: int) -> None:
        self.sources = sources
        self.server = FeedServer()

    def url(self, i: int) -> str:
        return self.server.url(f"f{i:04d}")

    def publish_round(self, round_no: int, items: int, now: datetime) -> set[str]:
        feeds: dict[str, list[FeedItem]] = {}
        for i in range(self.sources):
            feed = f"f{i:04d}"
            feeds[feed] = [
                replace(
                    news_item(feed, round_no * items + k, now=now),
                    published=now - timedelta(seconds=k),
                )
                for k in range(items)
            ]
        self.server.publish_many(feeds)
        return {item.guid for entries in feeds.values() for item in entries}

    def close(self) -> None:
        self.server.close()


# -- one setup -------------------------------------------------------------------------------


@dataclass
class Replica:
    process: subprocess.Popen[bytes]
    log_path: Path
    peak_rss: int = 0
    peak_children: int = 0  # its projection process (and any other child), together


@dataclass
class Result:
    name: str
    replicas: int
    polls: int = 0
    minutes: float = 0.0
    articles: int = 0
    ingest_seconds: float = 0.0
    peak_rss: list[int] = field(default_factory=list)
    peak_children: list[int] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    rounds_done: int = 0


class LogTail:
    """The JSON lines a replica has written so far, read incrementally."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.polls = 0
        self.publishes: list[tuple[float, int]] = []

    def read(self) -> None:
        if not self.path.exists():
            return
        with self.path.open("rb") as handle:
            handle.seek(self.offset)
            chunk = handle.read()
        complete = chunk.rfind(b"\n") + 1
        self.offset += complete
        for line in chunk[:complete].decode("utf-8", errors="replace").splitlines():
            if not line.startswith("{"):
                continue
            entry = json.loads(line)
            message = entry.get("message", "")
            if message.startswith("polled "):
                self.polls += 1
            elif message in ("feeds published", "projections caught up"):
                self.publishes.append((float(entry["published_at"]), int(entry["through"])))


def write_config(folder: Path, url: str, feeds: Feeds, args: argparse.Namespace) -> Path:
    lines = ["[store]", f'url = "{url}"', ""]
    for i in range(args.sources):
        lines += [
            "[[sources]]",
            f'id = "f{i:04d}"',
            'kind = "feed"',
            f'url = "{feeds.url(i)}"',
            f'interval = "{args.interval}s"',
            "",
        ]
    lines += [
        "[fetch]",
        'host_gap = "0s"  # every feed is on 127.0.0.1: no per-host pause',
        f"concurrency = {args.concurrency}",
        "",
        "[worker]",
        'jitter = "0s"',
        f'stagger = "{args.interval}s"',
        'lease_ttl = "30s"',
        "",
        "[feeds]",
        f'output_dir = "{folder / "public"}"',
    ]
    path = folder / "newsledger.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def fresh_pg(base: str) -> tuple[str, str]:
    schema = f"nl_bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", schema


def drop_pg(base: str, schema: str) -> None:
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def run_setup(name: str, url: str, replicas: int, args: argparse.Namespace) -> Result:
    result = Result(name, replicas)
    feeds = Feeds(args.sources)
    folder = Path(tempfile.mkdtemp(prefix=f"worker-bench-{name}-"))
    store = EventStore.open(url)  # migrated before the workers race to do it
    appeared: dict[int, float] = {}
    round_of: dict[str, int] = {}
    expected = feeds.publish_round(0, args.items, datetime.now(UTC))
    appeared[0] = time.time()
    round_of.update(dict.fromkeys(expected, 0))
    config = write_config(folder, url, feeds, args)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLEDGER_")}
    env.pop("DATABASE_URL", None)
    env.update(NEWSLEDGER_LOG_FORMAT="json", PYTHONPATH=str(REPO))
    procs: list[Replica] = []
    for r in range(replicas):
        log_path = folder / f"worker-{r}.log"
        handle = log_path.open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "newsledger.cli", "--config", str(config), "run", "--no-serve"],
            env={**env, "NEWSLEDGER_REPLICA_ID": f"bench-{r}"},
            stderr=handle,
            stdout=subprocess.DEVNULL,
            cwd=folder,
        )
        procs.append(Replica(proc, log_path))
    stop = threading.Event()

    def sample_rss() -> None:
        while not stop.wait(0.25):
            for replica in procs:
                try:
                    process = psutil.Process(replica.process.pid)
                    rss = process.memory_info().rss
                    children = 0
                    for child in process.children(recursive=True):
                        # A child that ended between the two calls counts nothing.
                        with contextlib.suppress(psutil.Error):
                            children += child.memory_info().rss
                except psutil.Error:
                    continue
                replica.peak_rss = max(replica.peak_rss, rss)
                replica.peak_children = max(replica.peak_children, children)

    threading.Thread(target=sample_rss, daemon=True).start()
    tails = [LogTail(replica.log_path) for replica in procs]
    started = time.time()
    positions: dict[str, int] = {}
    after = 0
    try:
        for round_no in range(args.rounds):
            if round_no:
                expected = feeds.publish_round(round_no, args.items, datetime.now(UTC))
                appeared[round_no] = time.time()
                round_of.update(dict.fromkeys(expected, round_no))
            round_start = appeared[round_no]
            deadline = round_start + args.round_timeout
            last_new = round_start
            while not expected <= positions.keys() and time.time() < deadline:
                time.sleep(0.5)
                for event in store.read_all(after=after, types=[ARTICLE_INGESTED.name]):
                    positions[str(event.data["guid"])] = event.position
                    last_new = time.time()
                after = max([after, *positions.values()])
            done = expected <= positions.keys()
            result.ingest_seconds += last_new - round_start
            result.rounds_done += done
            got = len(expected & positions.keys())
            print(
                f"  {name}: round {round_no + 1}: {got}/{len(expected)}"
                f" articles in {last_new - round_start:.1f}s",
                flush=True,
            )
            if not done:
                break
            # The round is measured until a publication covers all of it.
            newest = max(positions[g] for g in expected)
            while time.time() < deadline:
                for tail in tails:
                    tail.read()
                if any(through >= newest for tail in tails for _, through in tail.publishes):
                    break
                time.sleep(0.5)
    finally:
        elapsed = time.time() - started
        for replica in procs:
            replica.process.terminate()
        for replica in procs:
            try:
                replica.process.wait(15)
            except subprocess.TimeoutExpired:
                replica.process.kill()
        stop.set()
        feeds.close()
        store.close()
    publishes: list[tuple[float, int]] = []
    for replica, tail in zip(procs, tails, strict=True):
        tail.read()
        result.polls += tail.polls
        publishes += tail.publishes
        result.peak_rss.append(replica.peak_rss)
        result.peak_children.append(replica.peak_children)
    publishes.sort()
    for guid, position in positions.items():
        published = next((t for t, through in publishes if through >= position), None)
        if published is not None:
            result.latencies.append(published - appeared[round_of[guid]])
    result.minutes = elapsed / 60
    result.articles = len(positions)
    return result


def report(result: Result, args: argparse.Namespace) -> None:
    lat = sorted(result.latencies)
    p50 = statistics.median(lat) if lat else float("nan")
    p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))] if lat else float("nan")
    rss = ", ".join(
        f"{r / 2**20:.0f} + {c / 2**20:.0f}"
        for r, c in zip(result.peak_rss, result.peak_children, strict=True)
    )
    print(
        f"{result.name:<14} replicas={result.replicas}  rounds={result.rounds_done}/{args.rounds}  "
        f"polls/min={result.polls / result.minutes:,.0f}  "
        f"articles/s={result.articles / max(result.ingest_seconds, 1e-9):,.0f} "
        f"({result.articles:,} articles)  peak RSS MB per replica, worker + children=[{rss}]  "
        f"appearance->feed p50={p50:.1f}s p95={p95:.1f}s (of {len(lat):,} articles)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--items", type=int, default=20, help="new items per source per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--interval", type=int, default=60, help="polling interval, seconds")
    parser.add_argument("--concurrency", type=int, default=10, help="[fetch] concurrency")
    parser.add_argument("--round-timeout", type=float, default=900.0)
    parser.add_argument("--setups", default="sqlite,pg1,pg3", help="sqlite, pg1, pg3")
    parser.add_argument("--pg-url", default=os.environ.get("NEWSLEDGER_TEST_PG_URL", PG_DEFAULT))
    parser.add_argument(
        "--saturate", action="store_true", help="shorten the interval until polls fall behind"
    )
    parser.add_argument(
        "--intervals", default="60,30,15,8,4,2", help="--saturate: seconds, longest first"
    )
    parser.add_argument(
        "--step-seconds",
        type=float,
        default=120.0,
        help="--saturate: per step (at least 4 intervals)",
    )
    parser.add_argument(
        "--saturate-items",
        type=int,
        default=2,
        help="--saturate: new items per source per interval",
    )
    parser.add_argument("--saturate-db", choices=("sqlite", "pg"), default="sqlite")
    args = parser.parse_args()
    # SIGTERM runs the `finally` blocks too: workers stopped, PostgreSQL schemas dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    if args.saturate:
        from worker_saturation import saturate

        saturate(args)
        return
    print(
        f"worker benchmark: {args.sources} sources x {args.items} new items x {args.rounds} rounds,"
        f" interval {args.interval}s, {os.cpu_count()} CPUs",
        flush=True,
    )
    for setup in args.setups.split(","):
        if setup == "sqlite":
            folder = Path(tempfile.mkdtemp(prefix="worker-bench-db-"))
            report(run_setup("sqlite", f"sqlite:///{folder}/bench.db", 1, args), args)
        elif setup in ("pg1", "pg3"):
            url, schema = fresh_pg(args.pg_url)
            try:
                report(run_setup("postgresql", url, int(setup[2]), args), args)
            finally:
                drop_pg(args.pg_url, schema)
        else:
            parser.error(f"unknown setup {setup!r}")


if __name__ == "__main__":
    main()
