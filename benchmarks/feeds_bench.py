"""Feeds benchmark: replay, publishing and serving with N ingested articles (default 100,000).

1. Appends N ArticleIngested events (Vietnamese and English, ~1.5 KB of text each, some
   with meetings and economic figures) straight into a SQLite store (or --pg URL).
2. Replays the `topics` projection (membership and figures) from position 0: articles/s and the
   replay process's peak RSS (sampled while it runs). Target: >= 2,000 articles/s.
3. Publishes every feed after the replay: first what readers poll (each topic's current
   document, the OPML file and the index: `publish_all(..., archives=False)`; target under
   1 s), then every archive page; then a publish after 100 new articles (the steady state),
   then one with nothing new.
4. Serves the folder with `newsledger serve` semantics (Starlette under uvicorn, one worker
   process) and loads a 50-entry feed with `wrk` for a fixed duration, for 200 responses and
   for 304 responses (If-None-Match). Target: >= 1,000 requests/s for 304.

    python benchmarks/feeds_bench.py [--articles 100000] [--duration 5] [--pg URL]
                                     [--batch-size N]
    python benchmarks/feeds_bench.py --replay-compare [--articles N] [--sizes legacy,real]
                                     [--workers 1]   # see benchmarks/feeds_replay.py
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psutil  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feeds.config import FeedsConfig, parse_config
from feeds.projections import build_projections
from feeds.publisher import publish_all
from newsfacts import ARTICLE_INGESTED, article_stream
from store import EventStore, NewEvent, ProjectionRunner, StreamAppend
from tests.support.articles import article_data

START = datetime(2024, 1, 1, tzinfo=UTC)
#: Sentences by kind of article and language. An article is one kind's sentences (its title
#: from the first) among filler sentences with dates and non-economic numbers, ~1.5 KB in all.
KINDS = {
    "meeting": {
        "vi": [
            "Chiều {d}/{m}, Thủ tướng Chính phủ đã hội đàm với Thủ tướng Lào tại Hà Nội.",
            "Hai Thủ tướng nhất trí tăng cường hợp tác về giao thông, năng lượng và giáo dục.",
            "Phó Chủ tịch Quốc hội tiếp Đại sứ Lào đến chào từ biệt.",
        ],
        "en": [
            "Prime Minister Phạm Minh Chính met with his Lao counterpart on {d} March.",
            "The two sides agreed to deepen cooperation in transport and energy.",
            "The Deputy Prime Minister received the outgoing Lao Ambassador on Friday.",
        ],
    },
    "economy": {
        "vi": [
            "Kim ngạch thương mại song phương đạt {a},{b} triệu USD, tăng {p}% so với cùng kỳ.",
            "Việt Nam hiện có {n} dự án đầu tư tại Lào với tổng vốn đăng ký {a},{b} tỷ USD.",
            "Tỉnh bố trí {a}.{n:03d} tỷ đồng vốn đầu tư công cho các tuyến đường biên giới.",
        ],
        "en": [
            "Two-way trade reached US${a}.{b} billion last year, up {p} per cent.",
            "Vietnamese firms run {n} investment projects in Laos worth ${a}.{b} billion.",
            "Inflation eased to {b}.{p} per cent as the kip stabilised.",
        ],
    },
    "sport": {
        "vi": [
            "Đội tuyển Việt Nam gặp Lào trong trận đấu vòng bảng trên sân Viêng Chăn.",
            "Huấn luyện viên cho biết toàn đội đã sẵn sàng cho trận đấu tối {d}/{m}.",
        ],
        "en": [
            "Việt Nam meet Laos in their opening match of the tournament on Saturday.",
            "The coach said his striker is fit for the match on {d} March.",
        ],
    },
    "other": {
        "vi": [
            "Năm {y}, tỉnh đón {n}.000 lượt khách du lịch, trong đó có nhiều sinh viên Lào.",
            "Ngày {d}/{m}/{y}, nhà trường tổ chức lễ tốt nghiệp cho {n} sinh viên Lào.",
        ],
        "en": [
            "More than {n},000 students and visitors travelled between the countries in {y}.",
            "The {n}th session of the committee opened on {d} March {y}.",
        ],
    },
}
FILLER = {
    "vi": [
        "Các đại biểu thảo luận về kết nối hạ tầng, phát triển nguồn nhân lực và chuyển đổi số.",
        "Lãnh đạo địa phương cho biết sẽ tiếp tục tạo điều kiện thuận lợi cho người dân hai nước.",
        "Ngày {d}/{m}, đoàn công tác đã đến thăm một số trường học và trạm y tế ở vùng biên.",
        "Nhiều hoạt động giao lưu văn hóa, thể thao được tổ chức nhân dịp kỷ niệm {n} năm.",
        "Chương trình nhận được sự quan tâm của đông đảo người dân và chính quyền cơ sở.",
    ],
    "en": [
        "Delegates discussed infrastructure links, human resources and digital transformation.",
        "Local leaders pledged to keep supporting people on both sides of the border.",
        "On {d} March the delegation visited several schools and clinics in border districts.",
        "Cultural and sports exchanges were held to mark the {n}th anniversary.",
        "The programme drew wide interest from residents and local authorities.",
    ],
}
KIND_SHARES = ["meeting"] * 25 + ["economy"] * 25 + ["sport"] * 10 + ["other"] * 40


def draw(i: int, rng: random.Random, shares: list[str]) -> tuple[str, str, dict[str, int]]:
    """Article `i`'s language, its kind drawn from `shares`, and the values its templates
    are filled with (the draws in this order, so that a seed gives the same articles)."""
    language = "vi" if i % 3 else "en"
    kind = rng.choice(shares)
    values = {
        "d": rng.randint(1, 28),
        "m": rng.randint(1, 12),
        "a": rng.randint(1, 999),
        "b": rng.randint(1, 9),
        "p": rng.randint(1, 40),
        "n": rng.randint(2, 400),
        "y": rng.randint(2015, 2025),
    }
    return language, kind, values


def ingested_event(
    i: int, rng: random.Random, title: str, text: str, language: str, fetch_delay: timedelta
) -> NewEvent:
    """Article `i` as an `ArticleIngested` event published `i` minutes after START."""
    moment = START + timedelta(minutes=i)
    data = article_data(
        article_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        url=f"https://news.example.vn/{i}.html",
        title=title,
        text=text,
        language=language,
        published=moment,
        fetched=moment + fetch_delay,
        source_id=f"source-{i % 7}",
    )
    return ARTICLE_INGESTED.new(data, metadata={})


def article_event(i: int, rng: random.Random) -> NewEvent:
    language, kind, values = draw(i, rng, KIND_SHARES)
    own = [t.format(**values) for t in rng.sample(KINDS[kind][language], 2)]
    sentences = own + [rng.choice(FILLER[language]).format(**values) for _ in range(16)]
    rng.shuffle(sentences)
    paragraphs = [" ".join(sentences[k : k + 4]) for k in range(0, len(sentences), 4)]
    text = "\n\n".join(paragraphs)
    return ingested_event(i, rng, own[0][:100], text, language, timedelta(minutes=3))


def append_articles(store: EventStore, start: int, count: int, seed: int = 7) -> float:
    rng = random.Random(seed + start)
    began = time.perf_counter()
    for first in range(start, start + count, 500):
        appends = []
        for i in range(first, min(first + 500, start + count)):
            event = article_event(i, rng)
            appends.append(StreamAppend(article_stream(event.data["article_id"]), [event], 0))
        store.append_many(appends)
    return time.perf_counter() - began


class PeakRss:
    """Samples this process's RSS every 20 ms while active."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            self.peak = max(self.peak, me.memory_info().rss)
            time.sleep(0.02)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wrk(url: str, seconds: int, headers: dict[str, str]) -> float:
    command = ["wrk", "-t1", "-c16", f"-d{seconds}s"]
    for key, value in headers.items():
        command += ["-H", f"{key}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non2xx:
        print(f"    warning: {non2xx.group(1)} non-2xx/3xx responses")
    return float(match.group(1)) if match else 0.0


def bench_serve(config: FeedsConfig, duration: int) -> None:
    if shutil.which("wrk") is None:
        print("serve: wrk is not installed (apt-get install wrk); skipped")
        return
    port = free_port()
    code = (
        "import sys; from dataclasses import replace; from feeds.config import parse_config;"
        "from feeds.server import create_app, make_server;"
        f"c = replace(parse_config({{}}, file='-', base_dir=__import__('pathlib').Path('.')),"
        f" output_dir=__import__('pathlib').Path({str(config.output_dir)!r}));"
        f"make_server(c, create_app(c), port={port}, log_level='warning').run()"
    )
    server = subprocess.Popen([sys.executable, "-c", code], cwd=Path(__file__).parent.parent)
    url = f"http://127.0.0.1:{port}/feeds/economic-figures.atom"
    try:
        for _ in range(200):
            try:
                first = httpx.get(url)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        etag = first.headers["etag"]
        size = len(first.content)
        ok = wrk(url, duration, {})
        not_modified = wrk(url, duration, {"If-None-Match": etag})
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(
        f"serve (1 uvicorn worker, wrk -t1 -c16 -d{duration}s, {size / 1024:.0f} KiB feed of 50):"
    )
    print(f"  200: {ok:,.0f} requests/s")
    print(f"  304: {not_modified:,.0f} requests/s   (target >= 1,000)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=5, help="seconds of each wrk run")
    parser.add_argument("--pg", metavar="URL", help="PostgreSQL URL instead of a SQLite file")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        help="events per replay transaction (default: the ProjectionRunner's, as the app uses)",
    )
    parser.add_argument(
        "--replay-compare",
        action="store_true",
        help="only replay, in one process and with --workers, for each of --sizes",
    )
    parser.add_argument("--sizes", default="legacy,real", help="legacy (~1.5 KB), real (4.6 KB)")
    parser.add_argument(
        "--workers",
        type=int,
        default=max(1, (os.cpu_count() or 2) - 1),
        help="worker processes besides the replaying one (the runner's default)",
    )
    args = parser.parse_args()
    if args.replay_compare:
        from feeds_replay import compare

        for sizes in args.sizes.split(","):
            with tempfile.TemporaryDirectory(prefix="feeds-replay-") as tmp:
                url = args.pg or f"sqlite:///{tmp}/store.db"
                compare(url, Path(tmp), args.articles, sizes, args.workers)
        return
    with tempfile.TemporaryDirectory(prefix="feeds-bench-") as tmp:
        root = Path(tmp)
        url = args.pg or f"sqlite:///{root}/store.db"
        store = EventStore.open(url)
        config = replace(parse_config({}, file="-", base_dir=root), output_dir=root / "public")
        seconds = append_articles(store, 0, args.articles)
        print(
            f"appended {args.articles:,} ArticleIngested events in {seconds:.1f}s "
            f"({store.engine.dialect.name})"
        )
        sizing = {} if args.batch_size is None else {"batch_size": args.batch_size}
        runner = ProjectionRunner(store, build_projections(config), **sizing)
        baseline = psutil.Process().memory_info().rss
        with PeakRss() as rss:
            began, cpu = time.perf_counter(), time.process_time()
            results = runner.replay()
            replay_seconds = time.perf_counter() - began
            cpu = time.process_time() - cpu
        print(
            f"replay of the topics projection (membership + figures): {replay_seconds:.1f}s, "
            f"{args.articles / replay_seconds:,.0f} articles/s (target >= 2,000); "
            f"CPU {cpu:.1f}s, {args.articles / cpu:,.0f} articles per CPU second; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
            f"batches of {runner.batch_size}"
        )
        for result in results:
            print(
                f"  {result.name}: {result.events:,} events in {result.seconds:.1f}s "
                f"({result.events / result.seconds:,.0f}/s)"
            )
        print(f"  peak RSS {rss.peak / 2**20:.0f} MiB (before replay {baseline / 2**20:.0f} MiB)")
        # What readers see first: every topic's current feed, the OPML file and the index.
        began = time.perf_counter()
        current = publish_all(runner, config, archives=False)
        current_seconds = time.perf_counter() - began
        print(
            f"publish all feeds after the replay (current documents + OPML + index): "
            f"{current_seconds:.2f}s for {current.rendered} documents (target < 1 s)"
        )
        began = time.perf_counter()
        full = publish_all(runner, config)
        full_seconds = time.perf_counter() - began
        print(
            f"publish every archive page after the replay: {full_seconds:.2f}s for "
            f"{full.rendered:,} documents ({len(full.written):,} files written, "
            f"{full_seconds / max(full.rendered, 1) * 1000:.1f} ms each)"
        )
        append_articles(store, args.articles, 100, seed=99)
        runner.catch_up()
        began = time.perf_counter()
        steady = publish_all(runner, config)
        steady_seconds = time.perf_counter() - began
        print(
            f"publish after 100 new articles: {steady_seconds:.3f}s, {steady.rendered} rendered, "
            f"{len(steady.written)} written (target < 1 s)"
        )
        began = time.perf_counter()
        idle = publish_all(runner, config)
        print(
            f"publish with nothing new: {time.perf_counter() - began:.3f}s, "
            f"{idle.rendered} rendered, {len(idle.written)} written"
        )
        store.close()
        bench_serve(config, args.duration)
        if os.environ.get("FEEDS_BENCH_KEEP"):
            shutil.copytree(root / "public", os.environ["FEEDS_BENCH_KEEP"], dirs_exist_ok=True)


if __name__ == "__main__":
    main()
