"""Topic replay on every core: `feeds_bench.py --replay-compare` replays the topics projection
in one process and with its classification and extraction also in worker processes
(`--workers`, besides the replaying process, which prepares batches too), in the same run
on the same log, checks that both build the same view, and prints both rates.
(The stories projection, replayed by `newsledger replay` too, is not measured here.)

Articles come in two size distributions: `legacy` (the ~1.5 KB articles the benchmark
always used) and `real` (log-normal around a median of 4.6 KB, mean ~5.1 KB, like
../shared/corpus/news-vi; 7 % meeting reports and 35 % with economic figures, the shares
labelled in that corpus). Peak RSS is sampled for the replaying process alone and with
its worker processes.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import random
import resource
import threading
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import psutil  # type: ignore[import-untyped]
from feeds_bench import FILLER, KINDS, article_event, draw, ingested_event
from sqlalchemy import select

from feeds.config import parse_config
from feeds.projections import TOPICS, build_projections
from newsfacts import article_stream
from store import EventStore, NewEvent, ProjectionRunner, StreamAppend

REAL_SHARES = ["meeting"] * 7 + ["economy"] * 35 + ["sport"] * 10 + ["other"] * 48
MEDIAN_BYTES, SIGMA = 4600, 0.46  # p90 ≈ 1.8 x the median, as in news-vi


def real_article(i: int, rng: random.Random) -> NewEvent:
    """One article of the real-size distribution: its kind's sentences among fillers."""
    language, kind, values = draw(i, rng, REAL_SHARES)
    target = min(60_000, int(MEDIAN_BYTES * math.exp(rng.gauss(0, SIGMA))))
    own = [t.format(**values) for t in rng.sample(KINDS[kind][language], 2)]
    sentences, size = list(own), sum(len(s.encode()) for s in own)
    while size < target:
        filler = rng.choice(FILLER[language]).format(**values)
        sentences.append(filler)
        size += len(filler.encode()) + 1
    rng.shuffle(sentences)
    text = "\n\n".join(" ".join(sentences[k : k + 4]) for k in range(0, len(sentences), 4))
    return ingested_event(i, rng, own[0][:100], text, language, timedelta(0))


def fill(store: EventStore, count: int, sizes: str) -> tuple[float, list[int]]:
    """Append `count` articles of distribution `sizes`: (seconds, text sizes in bytes)."""
    rng = random.Random(7)
    lengths = []
    began = time.perf_counter()
    for first in range(0, count, 500):
        appends = []
        for i in range(first, min(first + 500, count)):
            event = real_article(i, rng) if sizes == "real" else article_event(i, rng)
            lengths.append(len(str(event.data["text"]).encode()))
            appends.append(StreamAppend(article_stream(event.data["article_id"]), [event], 0))
        store.append_many(appends)
    return time.perf_counter() - began, lengths


class PeakRss:
    """Peak RSS of this process, and of it with its children, sampled every 50 ms.

    The sampler runs in the replaying process, so it is kept cheap: listing the children
    scans /proc (about 1 ms, which every 20 ms cost the replay 5 % of its CPU); they are
    listed again once a second only (a pool's processes live as long as the replay)."""

    def __init__(self) -> None:
        self.own = self.total = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        children: list[psutil.Process] = []
        listed = 0.0
        while not self._stop.is_set():
            if time.monotonic() - listed >= 1.0:
                children, listed = me.children(recursive=True), time.monotonic()
            own = me.memory_info().rss
            total = own
            for child in children:
                with contextlib.suppress(psutil.Error):
                    total += child.memory_info().rss
            self.own, self.total = max(self.own, own), max(self.total, total)
            self._stop.wait(0.05)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def view_digest(runner: ProjectionRunner) -> str:
    """SHA-256 over every row of the topics view, table by table in key order."""
    digest = hashlib.sha256()
    with runner.store.reading() as conn:
        for base, table in sorted(runner.tables("topics").items()):
            digest.update(base.encode())
            for row in conn.execute(select(table).order_by(*table.primary_key)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def compare(url: str, root: Path, articles: int, sizes: str, workers: int) -> None:
    store = EventStore.open(url)
    seconds, lengths = fill(store, articles, sizes)
    lengths.sort()
    median, p90 = lengths[len(lengths) // 2] / 1024, lengths[9 * len(lengths) // 10] / 1024
    mean = sum(lengths) / len(lengths) / 1024
    print(
        f"\n{articles:,} {sizes} articles appended in {seconds:.0f}s: text median"
        f" {median:.1f} KB, mean {mean:.1f} KB, p90 {p90:.1f} KB",
        flush=True,
    )
    config = replace(parse_config({}, file="-", base_dir=root), output_dir=root / "public")
    digests, rates = {}, {}
    for mode in (0, workers):
        runner = ProjectionRunner(store, build_projections(config), workers=mode)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        with PeakRss() as rss:
            began, cpu = time.perf_counter(), time.process_time()
            runner.replay(TOPICS)
            took, cpu = time.perf_counter() - began, time.process_time() - cpu
        # The pool's processes have ended (and been waited for) when replay returns.
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        pool_cpu = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
        rates[mode] = articles / took
        digests[mode] = view_digest(runner)
        label = "one process" if mode == 0 else f"{mode + 1} processes"
        print(
            f"  replay, {label:<20} {rates[mode]:7,.0f} articles/s ({took:.0f}s); CPU: replaying"
            f" process {cpu:.1f}s, worker processes {pool_cpu:.1f}s,"
            f" {(cpu + pool_cpu) / articles * 1e6:.0f} us per article in all; peak RSS"
            f" {rss.own / 2**20:.0f} MB, with workers {rss.total / 2**20:.0f} MB;"
            f" load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    same = "identical" if digests[0] == digests[workers] else "DIFFERENT"
    print(f"  speed-up {rates[workers] / rates[0]:.2f} x (target >= 1.7); views {same}")
    store.close()
