"""The worker's real capacity: `worker_bench.py --saturate` shortens the polling interval
step by step until polls fall behind.

Each step starts one worker (`newsledger run --no-serve`) on a fresh store with N feed
sources polled every `interval` seconds. The feed server is open-loop: every `interval`
seconds each feed gains K new items (a feed shows its newest 4 K, so one late poll loses
nothing). Over the step's steady window (the first interval, when the stagger spreads the
first polls, is left out) it measures the polls the server answered per minute, the
articles appended per second, and for every item that appeared in the window the time
from its appearance on the server to the first feed publication that covers it (p50,
p95). A step has fallen behind when it answered less than 90 % of the offered polls, or
left items unpublished two intervals after they appeared.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import psutil  # type: ignore[import-untyped]
from worker_bench import Feeds, LogTail, drop_pg, fresh_pg, write_config

from store import EventStore
from tests.support.feedserver import FeedItem, news_item

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Step:
    interval: int
    offered: float = 0.0  # polls per minute the schedule asks for
    polls: float = 0.0  # polls per minute the server answered
    articles: float = 0.0  # articles appended per second
    p50: float = float("nan")
    p95: float = float("nan")
    unpublished: int = 0
    peak_rss_mb: float = 0.0

    @property
    def behind(self) -> bool:
        return self.polls < 0.9 * self.offered or self.unpublished > 0


class OpenLoopFeeds(Feeds):
    """Feeds that gain K items every interval whether or not anyone polled."""

    def __init__(self, sources: int, items: int) -> None:
        super().__init__(sources)
        self.items = items
        self.shown: dict[str, list[FeedItem]] = {}

    def add_round(self, round_no: int, now: datetime) -> set[str]:
        feeds = {}
        for i in range(self.sources):
            feed = f"f{i:04d}"
            new = [
                replace(news_item(feed, round_no * self.items + k, now=now), published=now)
                for k in range(self.items)
            ]
            feeds[feed] = (new + self.shown.get(feed, []))[: 4 * self.items]
        self.shown = feeds
        self.server.publish_many(feeds)
        return {item.guid for items in feeds.values() for item in items[: self.items]}


def run_step(url: str, interval: int, seconds: float, args: argparse.Namespace) -> Step:
    step = Step(interval, offered=args.sources * 60 / interval)
    feeds = OpenLoopFeeds(args.sources, args.saturate_items)
    folder = Path(tempfile.mkdtemp(prefix=f"worker-saturation-{interval}s-"))
    store = EventStore.open(url)
    config = write_config(folder, url, feeds, replace_interval(args, interval))
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLEDGER_")}
    env.pop("DATABASE_URL", None)
    env.update(NEWSLEDGER_LOG_FORMAT="json", PYTHONPATH=str(REPO))
    appeared: dict[str, float] = {}
    appeared.update(dict.fromkeys(feeds.add_round(0, datetime.now(UTC)), time.time()))
    log_path = folder / "worker.log"
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "newsledger.cli", "--config", str(config), "run", "--no-serve"],
            env=env,
            stderr=log,
            stdout=subprocess.DEVNULL,
            cwd=folder,
        )
    started = time.time()
    window_start, window_end = started + interval, started + seconds
    positions: dict[str, tuple[int, float]] = {}
    requests_at_start: int | None = None
    articles_at_start = 0
    peak_rss = 0
    after, round_no = 0, 1
    try:
        while (now := time.time()) < window_end + 2 * interval:
            if now >= started + round_no * interval and now < window_end:
                new = feeds.add_round(round_no, datetime.now(UTC))
                appeared.update(dict.fromkeys(new, time.time()))
                round_no += 1
            if requests_at_start is None and now >= window_start:
                requests_at_start, articles_at_start = feeds.server.total_requests(), len(positions)
            if now >= window_end and step.polls == 0 and requests_at_start is not None:
                minutes = (now - window_start) / 60
                step.polls = (feeds.server.total_requests() - requests_at_start) / minutes
                step.articles = (len(positions) - articles_at_start) / (minutes * 60)
            for event in store.read_all(after=after, types=["ArticleIngested"]):
                positions[str(event.data["guid"])] = (event.position, time.time())
                after = event.position
            with contextlib.suppress(psutil.Error):
                peak_rss = max(peak_rss, psutil.Process(worker.pid).memory_info().rss)
            time.sleep(0.25)
    finally:
        worker.terminate()
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
        feeds.close()
        store.close()
    tail = LogTail(log_path)
    tail.read()
    publishes = sorted(tail.publishes)
    latencies = []
    for guid, moment in appeared.items():
        if not window_start <= moment <= window_end:
            continue
        position = positions.get(guid, (None, 0.0))[0]
        published = next(
            (t for t, through in publishes if position is not None and through >= position),
            None,
        )
        if published is None:
            step.unpublished += 1
        else:
            latencies.append(published - moment)
    if latencies:
        latencies.sort()
        step.p50 = statistics.median(latencies)
        step.p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
    step.peak_rss_mb = peak_rss / 2**20
    return step


def replace_interval(args: argparse.Namespace, interval: int) -> argparse.Namespace:
    return argparse.Namespace(**{**vars(args), "interval": interval})


def saturate(args: argparse.Namespace) -> None:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"saturation: {args.sources} sources, {args.saturate_items} new items per source per"
        f" interval, concurrency {args.concurrency}, {args.saturate_db}; load {load}",
        flush=True,
    )
    steps: list[Step] = []
    for interval in (int(x) for x in args.intervals.split(",")):
        seconds = max(args.step_seconds, 4 * interval)
        if args.saturate_db == "pg":
            url, schema = fresh_pg(args.pg_url)
            try:
                step = run_step(url, interval, seconds, args)
            finally:
                drop_pg(args.pg_url, schema)
        else:
            folder = Path(tempfile.mkdtemp(prefix="worker-saturation-db-"))
            step = run_step(f"sqlite:///{folder}/bench.db", interval, seconds, args)
        steps.append(step)
        print(
            f"  interval {interval:>3}s: offered {step.offered:8,.0f} polls/min,"
            f" answered {step.polls:8,.0f} polls/min, {step.articles:6,.0f} articles/s,"
            f" appearance->feed p50 {step.p50:6.1f}s p95 {step.p95:6.1f}s,"
            f" unpublished {step.unpublished}, peak RSS {step.peak_rss_mb:.0f} MB"
            f"{'  BEHIND' if step.behind else ''}",
            flush=True,
        )
        if step.behind:
            break
    sustained = [s for s in steps if not s.behind]
    if sustained:
        best = max(sustained, key=lambda s: s.polls)
        print(
            f"highest sustained: {best.polls:,.0f} polls/min and {best.articles:,.0f} articles/s"
            f" (interval {best.interval}s), p50 {best.p50:.1f}s, p95 {best.p95:.1f}s;"
            f" load at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
            flush=True,
        )
    else:
        print("no step was sustained: start with a longer interval", flush=True)
