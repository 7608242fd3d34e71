"""End-to-end half of the stories benchmark: one generated folder ingested into a fresh
SQLite three times, in one run: without grouping; with the stories projection (as the
worker configures it by default, stories across languages on) caught up after the poll, in
the polling process (the worker before it had a projection process); and with it following
the log in the worker's projection process while the poll appends (store/follow.py), then
waited for, as the worker's publisher waits for it. The time of each is until the stories
view holds every article."""

from __future__ import annotations

import asyncio
import functools
import multiprocessing as mp
import os
import resource
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from worker_bench import drop_pg, fresh_pg

from feeds.config import parse_config as feeds_config
from feeds.projections import build_projections
from feeds.stories import StoriesProjection
from ingest.config import parse_config
from ingest.poller import Poller
from store import EventStore, ProjectionRunner
from store.follow import ProjectionProcess

MODES = ("without", "after", "follow")
LABELS = {
    "without": "without grouping          ",
    "after": "grouping after the poll   ",
    "follow": "projection process follows",
}


def stories_projection() -> StoriesProjection:
    """The stories projection as the worker builds it from a default configuration."""
    config = feeds_config({}, file="bench", base_dir=Path.cwd())
    [stories] = [p for p in build_projections(config) if isinstance(p, StoriesProjection)]
    return stories


def stories_runner(url: str) -> ProjectionRunner:
    """Built in the projection process."""
    return ProjectionRunner(EventStore.open(url), [stories_projection()], batch_size=1000)


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


def run(url: str, folder: str, mode: str, out: Any) -> None:
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

    follower = None
    if mode == "follow":
        follower = ProjectionProcess(functools.partial(stories_runner, url))
        follower.start()  # as the worker starts it before its first poll
    start, cpu = time.perf_counter(), _cpu()
    report = asyncio.run(poll())
    ingest_seconds = time.perf_counter() - start
    followed = 0  # how far the projection process had grouped when the poll ended
    if follower is not None:
        followed = ProjectionRunner(store, [stories_projection()]).checkpoint("stories").position
    applied = 0
    if mode == "after":
        runner = ProjectionRunner(store, [stories_projection()], batch_size=1000)
        applied = runner.catch_up("stories")["stories"]
    elif follower is not None:
        applied = follower.wait_through(store.head()).get("stories", 0)
        follower.stop()  # its CPU time is counted once it has ended
    seconds = time.perf_counter() - start
    joined = 0
    if mode != "without":
        members = ProjectionRunner(store, [stories_projection()]).tables("stories")["story_members"]
        with store.engine.connect() as conn:
            joined = conn.execute(
                select(func.count()).select_from(members).where(members.c.reason != "first")
            ).scalar_one()
    out.put(
        {
            "items": report.items,
            "ingest": ingest_seconds,
            "tail": seconds - ingest_seconds,
            "seconds": seconds,
            "cpu": _cpu() - cpu,
            "applied": applied,
            "followed": followed,
            "head": store.head(),
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


def bench_end_to_end(count: int, work: Path, articles: Any, *, pg: str | None = None) -> None:
    """The three runs on SQLite files, or on fresh schemas of the PostgreSQL server `pg`."""
    folder = work / "folder"
    write_folder(folder, count, articles)
    where = "PostgreSQL" if pg else "SQLite"
    print(f"(4) end to end: a folder of {count} generated files into {where}, until grouped")
    results = {}
    for mode in MODES:
        load = os.getloadavg()[0]
        db = work / f"e2e-{uuid.uuid4().hex[:6]}.db"
        url, schema = fresh_pg(pg) if pg else (f"sqlite:///{db}", "")
        try:
            got = _child(url, str(folder), mode)
        finally:
            if pg:
                drop_pg(pg, schema)
            db.unlink(missing_ok=True)
        results[mode] = got
        print(
            f"    {LABELS[mode]}: {got['seconds']:6.1f} s ({count / got['seconds']:5.0f} "
            f"articles/s; poll {got['ingest']:.1f} s, then {got['tail']:.1f} s until grouped; "
            f"{got['joined']} copies joined), CPU {got['cpu']:.1f} s, "
            f"peak RSS {got['rss']:.0f} MiB (polling process), load {load:.1f}"
        )
        if mode == "follow":
            print(
                f"        when the poll ended, the projection process had grouped "
                f"{got['followed']:,} of {got['head']:,} events"
            )
    base = results["without"]["seconds"]
    for mode in ("after", "follow"):
        slower = results[mode]["seconds"] / base - 1
        print(f"    {LABELS[mode].strip()}: {slower * 100:.0f} % slower (target ≤ 25 %)")
