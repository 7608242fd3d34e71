"""Stories benchmark: near-duplicate detection measured, not guessed.

    .venv/bin/python benchmarks/stories_bench.py [--articles N] [--skip-quality]
        [--skip-speed] [--skip-e2e] [--e2e-pg URL] [--e2e-rounds N] [--worker-views]
        [--worker-rounds N] [--plot docs/stories-pr.png]

(1) quality: pair precision/recall on the labelled set (tests/feeds/copies.py, built from
../shared/corpus/news-vi at run time), per edit operation and hard negative, and the plot of
precision and recall against the thresholds; (2) fingerprint cost per article, ours against
datasketch; (3) the grouping step over N generated ~5 KB articles (10 % edited copies), with
peak RSS at N/4, N/2 and N, each in its own process, extrapolated to 1,000,000; (4) end to end:
the same folder ingested into SQLite without grouping, then with the grouping pass over the
log; (5) with `--worker-views`, the worker's projection process following the same ingest
with grouping off (the topics view alone) and on (topics and stories). Needs the `bench`
extra (matplotlib, datasketch).
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import multiprocessing as mp
import os
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from store_support import peak_rss_mb
from stories_quality import (
    ORDERS,
    grouped_pairs,
    labelled_pairs,
    per_kind,
    plot,
    pool,
    precision_recall,
    roundups,
    score,
    through_grouper,
)

from feeds.copies import Settings, band_keys_many
from feeds.neardup import Grouper
from feeds.shingles import shingles, shingles_many, signature, signatures
from tests.feeds.copies import EDITS, Doc, load_corpus

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2025, 6, 1, 6, 0, tzinfo=UTC)
COPY_SHARE = 0.10


class Articles:
    """Deterministic ~5 KB Vietnamese-like articles: words drawn from the corpus's own word
    frequencies (Zipfian, so common phrases recur as in real news), 8-16 paragraphs; article n
    is, with probability 0.1, an edited copy (one of the labelled set's operations) of an
    earlier one. Article n is rebuilt from n alone: nothing is held in memory."""

    def __init__(self) -> None:
        counts: dict[str, int] = {}
        for doc in load_corpus():
            for word in doc.text.split():
                counts[word] = counts.get(word, 0) + 1
        self.words = sorted(counts)
        self.cumulative = list(itertools.accumulate(counts[w] for w in self.words))

    def original(self, n: int) -> Doc:
        rng = random.Random(n * 7919 + 1)
        total, size, paragraphs = self.cumulative[-1], 0, []
        while size < 4800:
            picks = [rng.random() * total for _ in range(rng.randint(40, 90))]
            words = [self.words[bisect.bisect_left(self.cumulative, p)] for p in picks]
            paragraphs.append(" ".join(words).capitalize() + ".")
            size += len(paragraphs[-1].encode("utf-8")) + 2
        title = " ".join(paragraphs[0].split()[:10])
        return Doc(f"a{n}", title, tuple(paragraphs))

    def get(self, n: int) -> Doc:
        rng = random.Random(n)
        if n > 10 and rng.random() < COPY_SHARE:
            source = rng.randrange(n)
            while random.Random(source).random() < COPY_SHARE and source > 10:
                source = rng.randrange(source)  # copy an original, not a copy of a copy
            edit = EDITS[rng.choice(sorted(EDITS))]
            return Doc(f"a{n}", *_parts(edit(self.original(source), rng)))
        return self.original(n)


def _parts(doc: Doc) -> tuple[str, tuple[str, ...]]:
    return doc.title, doc.paragraphs


def bench_quality(plot_path: Path) -> None:
    settings = Settings()
    docs, meetings, pairs = labelled_pairs()
    scored = score(pairs)
    precision, recall, fp, fn = precision_recall(scored, settings)
    print(f"(1) labelled set: {len(pairs)} pairs, {sum(p.copy for p in pairs)} copies; {settings}")
    for kind, (n, said) in sorted(per_kind(scored, settings).items()):
        print(f"    {kind:<22} {n:5d} pairs, judged copies {said:5d}")
    print(
        f"    confirmation rule: precision {precision:.4f}, recall {recall:.4f} (FP {fp}, FN {fn})"
    )
    found = through_grouper(docs, meetings, pairs, settings)
    print(
        f"    whole grouping (LSH included): precision {found['precision']:.4f}, "
        f"recall {found['recall']:.4f} (FP {found['fp']}, FN {found['fn']})"
    )
    print("    stress: all 1,968 texts in one shuffled stream, pairs of texts in one story:")
    pools = [pool(docs, meetings, seed=seed) for seed in ORDERS]
    for seed, texts in zip(ORDERS, pools, strict=True):
        whole = grouped_pairs(texts, settings)
        print(
            f"      order {seed}: precision "
            f"{whole['precision']:.4f}, recall {whole['recall']:.4f} "
            f"({whole['predicted']} pairs said, {whole['true']} true)"
        )
    merged, total = roundups(docs, settings)
    print(f"    round-ups of two unrelated reports: {merged} of {total} merged their stories")
    plot(scored, (docs, meetings, pairs), pools[:3], settings, plot_path)
    print(f"    plot saved to {plot_path}")


def bench_fingerprint() -> None:
    docs = load_corpus()
    texts = [(d.title, d.text) for d in docs]
    # CPU time of this process: on a shared machine wall time measures the neighbours.
    start = time.process_time()
    for _ in range(5):
        for title, text in texts:
            signature(shingles(title, text))
    ours = (time.process_time() - start) / (5 * len(texts))
    start = time.process_time()
    for _ in range(5):
        signatures(shingles_many(texts))
    passes = (time.process_time() - start) / (5 * len(texts))
    print(
        f"(2) fingerprint per article (corpus, {len(texts)} texts, load {os.getloadavg()[0]:.1f})"
    )
    print(f"    ours (numpy shingles + one-permutation MinHash, 128): {ours * 1e6:7.0f} µs")
    print(f"    ours, in passes of several articles (as `prepare`):  {passes * 1e6:7.0f} µs")
    try:
        from datasketch import MinHash
    except ImportError:
        print("    datasketch not installed (pip install -e '.[bench]')")
        return
    start = time.process_time()
    for _ in range(2):
        for title, text in texts:
            words = f"{title}\n\n{text}".casefold().split()
            grams = [" ".join(words[i : i + 4]).encode() for i in range(len(words) - 3)]
            MinHash.bulk([grams], num_perm=128, seed=1)
    theirs = (time.process_time() - start) / (2 * len(texts))
    print(f"    datasketch 2.x MinHash.bulk, 128 perms, str.split shingles: {theirs * 1e6:7.0f} µs")


def write_texts(db: Path, count: int) -> None:
    """The generated articles into a SQLite table (key, title, text), not timed."""
    articles = Articles()
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE texts (n INTEGER PRIMARY KEY, title TEXT, text TEXT)")
        for first in range(0, count, 2000):
            docs = (articles.get(n) for n in range(first, min(count, first + 2000)))
            conn.executemany(
                "INSERT INTO texts VALUES (?, ?, ?)",
                ((int(d.key[1:]), d.title, d.text) for d in docs),
            )


def run_grouping(db: str, count: int, out: Any) -> None:
    """The grouping step alone over the first `count` stored articles: fingerprint, LSH,
    confirm (re-reading a candidate's text from SQLite, as the projection re-reads it from
    the log), assign. Reading the articles in is not timed; re-reading candidates is."""
    conn = sqlite3.connect(db)
    grouper = Grouper()

    def shingles_of(key: str) -> Any:
        title, text = conn.execute(
            "SELECT title, text FROM texts WHERE n = ?", (int(key[1:]),)
        ).fetchone()
        return shingles(title, text)

    spent, cpu, copies, last = 0.0, 0.0, 0, -1
    while last + 1 < count:
        rows = conn.execute(
            "SELECT n, title, text FROM texts WHERE n > ? AND n < ? ORDER BY n LIMIT 2000",
            (last, count),
        ).fetchall()
        start, start_cpu = time.perf_counter(), time.process_time()
        # Fingerprinted a batch at a time, as the projection's `prepare` does.
        hashes = shingles_many([(title, text) for _, title, text in rows])
        keys = band_keys_many(hashes, grouper.settings)
        for (n, _, _), own, own_keys in zip(rows, hashes, keys, strict=True):
            join = grouper.add(f"a{n}", own, shingles_of, keys=own_keys)
            copies += join.via is not None
        spent += time.perf_counter() - start
        cpu += time.process_time() - start_cpu
        last = rows[-1][0]
    out.put(
        {
            "count": count,
            "seconds": spent,
            "cpu": cpu,
            "copies": copies,
            "rss": peak_rss_mb(),
            "index": grouper.index_bytes() / 2**20,
        }
    )


def in_child(target: Any, *args: Any) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, out))
    proc.start()
    result: dict[str, Any] = out.get(timeout=3600)
    proc.join()
    return result


def bench_grouping(count: int, work: Path) -> None:
    db = work / "texts.db"
    write_texts(db, count)
    size = db.stat().st_size / count / 1024
    print(f"(3) grouping step, {count} generated articles ({size:.1f} KB stored each), 10 % copies")
    points = []
    for n in (count // 4, count // 2, count):
        load = os.getloadavg()[0]
        got = in_child(run_grouping, str(db), n)
        points.append((n, got["rss"]))
        print(
            f"    {n:>8} articles: {n / got['seconds']:6.0f} articles/s ({got['seconds']:.1f} s; "
            f"{n / got['cpu']:.0f} per CPU second), "
            f"{got['copies']} joined as copies, peak RSS {got['rss']:.0f} MiB, "
            f"LSH runs {got['index']:.1f} MiB, load {load:.1f}"
        )
    # The slope of the two largest runs: the smallest still carries start-up allocations.
    (n1, r1), (n2, r2) = points[-2], points[-1]
    slope = (r2 - r1) / (n2 - n1)  # MiB per article
    print(
        f"    extrapolated (linear through the two largest runs, not measured): "
        f"{slope * 1024:.2f} KiB per article -> ~{r2 + slope * (1_000_000 - n2):.0f} "
        f"MiB at 1,000,000"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--plot", type=Path, default=ROOT / "docs" / "stories-pr.png")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-e2e", action="store_true")
    parser.add_argument("--e2e-pg", metavar="URL", help="end to end on PostgreSQL, not SQLite")
    parser.add_argument(
        "--e2e-rounds",
        type=int,
        default=1,
        metavar="N",
        help="end to end: each mode N times, alternating the order; medians compared",
    )
    parser.add_argument(
        "--worker-views",
        action="store_true",
        help="also (5): the worker's projection process with grouping off and on",
    )
    parser.add_argument(
        "--worker-rounds",
        type=int,
        default=2,
        metavar="N",
        help="(5): N pairs of runs, off and on, the order reversed every other pair",
    )
    args = parser.parse_args()
    print(f"load {os.getloadavg()}")
    if not args.skip_quality:
        bench_quality(args.plot)
    with tempfile.TemporaryDirectory(prefix="stories-bench-") as work:
        if not args.skip_speed:
            bench_fingerprint()
            bench_grouping(args.articles, Path(work))
        if not args.skip_e2e:
            from stories_e2e import bench_end_to_end

            bench_end_to_end(
                args.articles, Path(work), Articles(), pg=args.e2e_pg, rounds=args.e2e_rounds
            )
        if args.worker_views:
            from stories_e2e import bench_worker_views

            bench_worker_views(
                args.articles, Path(work), Articles(), pg=args.e2e_pg, rounds=args.worker_rounds
            )


if __name__ == "__main__":
    main()
