"""End-to-end half of the stories benchmark: one generated folder ingested into SQLite
without grouping, then into a fresh SQLite with the stories projection caught up after it
(what the worker does after a poll: read the new events, fingerprint, group, write rows)."""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import resource
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from feeds.stories import StoriesProjection
from ingest.config import parse_config
from ingest.poller import Poller
from store import EventStore, ProjectionRunner


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def write_folder(folder: Path, count: int, articles: Any) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        doc = articles.get(n)
        body = doc.title + "\n\n" + "\n\n".join(doc.paragraphs) + "\n"
        (folder / f"{n:06d}.txt").write_text(body, encoding="utf-8")


def run(url: str, folder: str, group: bool, out: Any) -> None:
    store = EventStore.open(url)
    config = parse_config(
        {"sources": [{"id": "bench", "kind": "folder", "path": folder}]},
        file="bench",
        base_dir=Path(folder),
    )

    async def poll() -> Any:
        poller = Poller(store, config)
        try:
            from datetime import UTC, datetime

            now = datetime(2025, 6, 1, 6, 0, tzinfo=UTC)
            return await poller.poll_source(config.sources[0], now=now, force=True)
        finally:
            await poller.aclose()

    start, cpu = time.perf_counter(), _cpu()
    report = asyncio.run(poll())
    ingest_seconds = time.perf_counter() - start
    group_seconds, joined = 0.0, 0
    if group:
        begin = time.perf_counter()
        runner = ProjectionRunner(store, [StoriesProjection()], batch_size=1000)
        runner.catch_up("stories")
        group_seconds = time.perf_counter() - begin
        members = runner.tables("stories")["story_members"]
        with store.engine.connect() as conn:
            joined = conn.execute(
                select(func.count()).select_from(members).where(members.c.reason != "first")
            ).scalar_one()
    seconds = time.perf_counter() - start
    out.put(
        {
            "items": report.items,
            "ingest": ingest_seconds,
            "group": group_seconds,
            "seconds": seconds,
            "cpu": _cpu() - cpu,
            "joined": joined,
            "rss": _peak_rss_mib(),
        }
    )
    store.close()


def _child(*args: Any) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=run, args=(*args, out))
    proc.start()
    result: dict[str, Any] = out.get(timeout=7200)
    proc.join()
    return result


def bench_end_to_end(count: int, work: Path, articles: Any) -> None:
    folder = work / "folder"
    write_folder(folder, count, articles)
    print(f"(4) end to end: a folder of {count} generated files into SQLite")
    results = {}
    for group in (False, True):
        load = os.getloadavg()[0]
        db = work / f"e2e-{uuid.uuid4().hex[:6]}.db"
        got = _child(f"sqlite:///{db}", str(folder), group)
        results[group] = got
        label = "with grouping   " if group else "without grouping"
        print(
            f"    {label}: {got['seconds']:6.1f} s ({count / got['seconds']:5.0f} articles/s; "
            f"ingest {got['ingest']:.1f} s, grouping {got['group']:.1f} s = "
            f"{count / got['group'] if got['group'] else 0:.0f} articles/s, "
            f"{got['joined']} copies joined), CPU {got['cpu']:.1f} s, "
            f"peak RSS {got['rss']:.0f} MiB, load {load:.1f}"
        )
        db.unlink(missing_ok=True)
    slower = results[True]["seconds"] / results[False]["seconds"] - 1
    print(f"    grouping makes the end-to-end run {slower * 100:.0f} % slower (target ≤ 25 %)")
