"""Ingest benchmark: (a) a 20,000-article folder into SQLite and PostgreSQL against a raw
baseline, (b) a polling round over 500 local feeds, then a round that gets 304 everywhere.

    .venv/bin/python benchmarks/ingest_bench.py [--articles N] [--feeds N] [--skip-pg]

PostgreSQL: NEWSLEDGER_BENCH_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test);
each run uses a fresh schema that is dropped afterwards. Each measurement runs in its own
process so that its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import multiprocessing as mp
import os
import random
import resource
import shutil
import sys
import tempfile
import time
import unicodedata
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Column, MetaData, String, Table, Text, create_engine, insert, text
from store_support import peak_rss_mb

from ingest.config import parse_config
from ingest.normalise.canonical import collapse
from ingest.parse.textparts import parse_text_article
from ingest.poller import Poller
from store import EventStore

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NOW = datetime(2025, 6, 1, 6, 0, tzinfo=UTC)

VI_WORDS = (
    "hợp tác phát triển kinh tế Việt Nam Lào hai nước đoàn đại biểu thủ tướng chủ tịch hội đàm "
    "thương mại đầu tư năng lượng giao thông cửa khẩu biên giới tỉnh nhân dân giáo dục y tế "
    "văn hóa quốc phòng an ninh hữu nghị đặc biệt truyền thống thủy điện đường sắt cao tốc "
    "nông nghiệp học bổng sinh viên lao động xuất khẩu tăng trưởng dự án ký kết biên bản"
).split()
EN_WORDS = (
    "cooperation development economy Vietnam Laos two countries delegation prime minister "
    "president talks trade investment energy transport border gate province people education "
    "health culture defence security friendship special traditional hydropower railway "
    "expressway agriculture scholarship students labour export growth project signed memorandum"
).split()


def _article(rng: random.Random, n: int) -> str:
    vietnamese = n % 2 == 0
    words = VI_WORDS if vietnamese else EN_WORDS
    title = " ".join(rng.choice(words) for _ in range(10)).capitalize() + f" {n}"
    paragraphs = []
    size = 0
    while size < 4900:
        sentence = (
            " ".join(rng.choice(words) for _ in range(rng.randint(12, 24))).capitalize() + "."
        )
        paragraphs.append(sentence)
        size += len(sentence.encode("utf-8")) + 1
    if not vietnamese and n % 3 == 0:
        return f" date 2025-05-{1 + n % 28:02d} VIENTIANE — " + "\n\n".join(paragraphs) + "\n"
    return title + "\n" + "\n\n".join(paragraphs) + "\n"


def generate_folder(folder: Path, count: int, *, seed: int = 7) -> dict[str, int]:
    """`count` ~5 KB files: 85% unique, 10% exact copies, 5% NFD/whitespace variants."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    unique: list[str] = []
    kinds = {"unique": 0, "copy": 0, "variant": 0}
    for n in range(count):
        roll = rng.random()
        if unique and roll < 0.10:
            body, kind = rng.choice(unique), "copy"
        elif unique and roll < 0.15:
            body = unicodedata.normalize("NFD", rng.choice(unique)).replace(". ", ".  \n ")
            kind = "variant"
        else:
            body, kind = _article(rng, n), "unique"
            unique.append(body)
        kinds[kind] += 1
        (folder / f"{n:05d}.txt").write_text(body, encoding="utf-8")
    return kinds


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the reader processes)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_pipeline(url: str, folder: str, out: Any) -> None:
    """End to end: read, normalise, hash, dedup, append, through the folder source."""
    store = EventStore.open(url)
    config = parse_config(
        {"sources": [{"id": "bench", "kind": "folder", "path": folder}]},
        file="bench",
        base_dir=Path(folder),
    )

    async def poll() -> Any:
        poller = Poller(store, config)
        try:
            source = config.sources[0]
            return await poller.poll_source(source, now=NOW, force=True)
        finally:
            await poller.aclose()

    start, cpu = time.perf_counter(), _cpu_seconds()
    report = asyncio.run(poll())
    seconds = time.perf_counter() - start
    cpu = _cpu_seconds() - cpu
    head = store.head()
    store.close()
    out.put(
        {
            "seconds": seconds,
            "items": report.items,
            "events": dict(report.events),
            "head": head,
            "cpu": cpu,
            "rss": peak_rss_mb(),
        }
    )


def run_baseline(url: str, folder: str, out: Any) -> None:
    """Raw: read, normalise, hash, and a plain SQLAlchemy Core executemany into a bare table."""
    engine = create_engine(url)
    table = Table(
        "bench_raw",
        MetaData(),
        Column("hash", String(64), primary_key=True),
        Column("payload", Text),
    )
    table.drop(engine, checkfirst=True)
    table.create(engine)
    files = sorted(Path(folder).iterdir())
    start, cpu = time.perf_counter(), _cpu_seconds()
    rows: dict[str, dict[str, str]] = {}
    batch: list[dict[str, str]] = []
    for path in files:
        article = parse_text_article(path.read_bytes().decode("utf-8"))
        body = collapse(article.title) + "\n" + collapse(article.text)
        digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
        if digest in rows:
            continue
        row = {
            "hash": digest,
            "payload": json.dumps(
                {"title": article.title, "text": article.text}, ensure_ascii=False
            ),
        }
        rows[digest] = row
        batch.append(row)
        if len(batch) == 1000:
            with engine.begin() as conn:
                conn.execute(insert(table), batch)
            batch = []
    if batch:
        with engine.begin() as conn:
            conn.execute(insert(table), batch)
    seconds = time.perf_counter() - start
    cpu = _cpu_seconds() - cpu
    table.drop(engine)
    engine.dispose()
    out.put({"seconds": seconds, "cpu": cpu, "items": len(files), "rss": peak_rss_mb()})


def in_child(target: Any, *args: Any) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, out))
    proc.start()
    result: dict[str, Any] = out.get(timeout=1800)
    proc.join()
    return result


@contextmanager
def pg_schema(base: str) -> Iterator[str]:
    schema = f"nl_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        sep = "&" if "?" in base else "?"
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def bench_folder(count: int, pg_base: str | None, work: Path, *, repeat: int = 1) -> None:
    folder = work / "articles"
    kinds = generate_folder(folder, count)
    size = sum(p.stat().st_size for p in folder.iterdir()) / count
    print(f"(a) folder source: {count} files, {size / 1024:.1f} KB average, {kinds}")
    backends: list[tuple[str, Any]] = [("SQLite", None)]
    if pg_base:
        backends.append(("PostgreSQL", pg_base))
    for _ in range(repeat):
        for name, base in backends:
            load = os.getloadavg()[0]
            if base is None:
                db = work / f"bench-{uuid.uuid4().hex[:6]}.db"
                url = f"sqlite:///{db}"
                raw_url = f"sqlite:///{work / f'raw-{uuid.uuid4().hex[:6]}.db'}"
                got = in_child(run_pipeline, url, str(folder))
                raw = in_child(run_baseline, raw_url, str(folder))
            else:
                with pg_schema(base) as url:
                    got = in_child(run_pipeline, url, str(folder))
                with pg_schema(base) as raw_url:
                    raw = in_child(run_baseline, raw_url, str(folder))
            rate = got["items"] / got["seconds"]
            raw_rate = raw["items"] / raw["seconds"]
            # CPU seconds include the reader processes; the database server's are not
            # counted (PostgreSQL runs as its own processes on the same cores).
            print(
                f"    {name:<10} newsledger {rate:8.0f} articles/s ({got['seconds']:.2f} s, "
                f"CPU {got['cpu']:.1f} s, peak RSS {got['rss']:.0f} MiB; "
                f"events {got['events']}; load {load:.1f})"
            )
            print(
                f"    {name:<10} raw baseline {raw_rate:6.0f} articles/s ({raw['seconds']:.2f} s, "
                f"CPU {raw['cpu']:.1f} s, peak RSS {raw['rss']:.0f} MiB)  "
                f"ratio {rate / raw_rate:.2f}"
            )


def _feed_body(n: int, items: int) -> bytes:
    rng = random.Random(n)
    entries = []
    for k in range(items):
        words = VI_WORDS if (n + k) % 2 == 0 else EN_WORDS
        title = " ".join(rng.choice(words) for _ in range(9)).capitalize()
        body = " ".join(rng.choice(words) for _ in range(120))
        entries.append(
            f"<item><title>{title} {n}-{k}</title>"
            f"<link>https://news{n % 7}.example/{n}/{k}.html?utm_source=rss</link>"
            f"<guid>urn:bench:{n}:{k}</guid><pubDate>Sun, 01 Jun 2025 0{k % 10}:00:00 GMT</pubDate>"
            f"<description>&lt;p&gt;{body}.&lt;/p&gt;</description></item>"
        )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed {n}</title>'
        f"<link>https://news.example/{n}</link><language>vi</language>{''.join(entries)}</channel></rss>"
    ).encode()


def serve_feeds(port: int, feeds: int, items: int) -> None:
    """The local feed server (its own process): 200 with an ETag, 304 when it matches."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    bodies = {n: _feed_body(n, items) for n in range(feeds)}

    async def feed(request: Request) -> Response:
        n = int(request.path_params["n"])
        etag = f'"bench-{n}"'
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers={"ETag": etag})
        return Response(bodies[n], media_type="application/rss+xml", headers={"ETag": etag})

    app = Starlette(routes=[Route("/feed/{n:int}", feed)])
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        timeout_keep_alive=60,
    )


def run_rounds(url: str, base: str, feeds: int, out: Any) -> None:
    store = EventStore.open(url)
    sources = [{"id": f"feed-{n}", "kind": "feed", "url": f"{base}/feed/{n}"} for n in range(feeds)]
    # Every feed is on 127.0.0.1: the per-host gap would serialise the round, so it is 0 here.
    config = parse_config(
        {"sources": sources, "fetch": {"host_gap": "0s", "concurrency": 20}},
        file="bench",
        base_dir=Path("."),
    )

    async def rounds() -> list[tuple[float, list[Any], int]]:
        poller = Poller(store, config)
        results = []
        try:
            for _ in range(2):
                head = store.head()
                start = time.perf_counter()
                reports = await poller.poll_sources(now=NOW, force=True)
                results.append((time.perf_counter() - start, reports, store.head() - head))
        finally:
            await poller.aclose()
        return results

    (t1, r1, e1), (t2, r2, e2) = asyncio.run(rounds())
    store.close()
    out.put(
        {
            "first": {"seconds": t1, "outcomes": _outcomes(r1), "events": e1},
            "second": {"seconds": t2, "outcomes": _outcomes(r2), "events": e2},
            "rss": peak_rss_mb(),
        }
    )


def _outcomes(reports: list[Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for report in reports:
        counts[report.outcome] = counts.get(report.outcome, 0) + 1
    return counts


def bench_feeds(feeds: int, items: int, pg_base: str | None, work: Path) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ctx = mp.get_context("spawn")
    server = ctx.Process(target=serve_feeds, args=(port, feeds, items), daemon=True)
    server.start()
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        base = f"http://127.0.0.1:{port}"
        print(
            f"(b) polling round: {feeds} feeds x {items} items on a local server (concurrency 20)"
        )
        backends: list[tuple[str, Any]] = [("SQLite", None)]
        if pg_base:
            backends.append(("PostgreSQL", pg_base))
        for name, pg in backends:
            if pg is None:
                got = in_child(run_rounds, f"sqlite:///{work / 'feeds.db'}", base, feeds)
            else:
                with pg_schema(pg) as url:
                    got = in_child(run_rounds, url, base, feeds)
            first, second = got["first"], got["second"]
            print(
                f"    {name:<10} round 1: {first['seconds']:6.2f} s, "
                f"{feeds / first['seconds']:6.0f} requests/s, {first['events']} events, "
                f"{first['outcomes']}"
            )
            verdict = "OK" if second["events"] == 0 and second["seconds"] < 10 else "MISSED"
            print(
                f"    {name:<10} round 2: {second['seconds']:6.2f} s, "
                f"{feeds / second['seconds']:6.0f} requests/s, {second['events']} events, "
                f"{second['outcomes']}  [{verdict}: 0 events and < 10 s]"
            )
    finally:
        server.terminate()
        server.join(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--only", choices=("folder", "feeds"))
    parser.add_argument(
        "--repeat", type=int, default=1, help="folder runs per database (the machine is noisy)"
    )
    args = parser.parse_args()
    pg_base = None if args.skip_pg else os.environ.get("NEWSLEDGER_BENCH_PG_URL", PG_DEFAULT)
    work = Path(tempfile.mkdtemp(prefix="nl-ingest-bench-"))
    try:
        if args.only in (None, "folder"):
            bench_folder(args.articles, pg_base, work, repeat=args.repeat)
        if args.only in (None, "feeds"):
            bench_feeds(args.feeds, args.items, pg_base, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
