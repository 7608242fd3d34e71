"""Catch-up benchmark: the worker's views (topics and stories, as a default configuration
builds them) caught up over one log, reading it once for both against once for each.

    .venv/bin/python benchmarks/catch_up_bench.py [--articles N] [--rounds R]

A folder of N generated ~5 KB articles (the stories benchmark's, 10 % edited copies) is
ingested into a SQLite file once. Each run copies that file and catches the views up from
position 0 in a fresh process, in one process (no worker processes: as the worker's
projection process follows a poll, batch by batch): "together" is `catch_up()`, which
reads each batch of the log once for every view at the same checkpoint; "one by one" is
`catch_up("topics")` then `catch_up("stories")`, each reading and decoding the log itself
(how every catch-up ran before). The two alternate, R rounds, so a change of machine load
hits both alike. Needs the `bench` extra.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from store_support import peak_rss_mb
from stories_bench import Articles
from stories_e2e import _child, views_projections, write_folder

MODES = ("together", "one by one")


def catch_up(url: str, mode: str, out: Any) -> None:
    from store import EventStore, ProjectionRunner

    store = EventStore.open(url)
    runner = ProjectionRunner(store, views_projections("worker"), batch_size=500, workers=0)
    names = list(runner.projections)
    for name in names:
        runner.checkpoint(name)  # registered before the clock starts
    start, cpu = time.perf_counter(), time.process_time()
    if mode == "together":
        applied = runner.catch_up()
    else:
        applied = {name: runner.catch_up(name)[name] for name in names}
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    rss = peak_rss_mb()  # this process's own (VmHWM): ru_maxrss survives exec
    out.put({"seconds": seconds, "cpu": cpu, "applied": applied, "rss": rss})
    store.close()


def _run(url: str, mode: str) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=catch_up, args=(url, mode, out))
    proc.start()
    result: dict[str, Any] = out.get(timeout=7200)
    proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="catch-up-bench-") as tmp:
        work = Path(tmp)
        write_folder(work / "folder", args.articles, Articles())
        log = work / "log.db"
        _child(f"sqlite:///{log}", str(work / "folder"), "without")
        shutil.rmtree(work / "folder")
        size = log.stat().st_size / 2**20
        print(f"catch-up of the topics and stories views, {args.articles:,} articles "
              f"(log {size:.0f} MiB, SQLite), from position 0, in one process")  # fmt: skip
        results: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
        for round_ in range(args.rounds):
            for mode in MODES if round_ % 2 == 0 else MODES[::-1]:
                copy = work / "copy.db"
                shutil.copy(log, copy)
                load = os.getloadavg()[0]
                got = _run(f"sqlite:///{copy}", mode)
                copy.unlink()
                results[mode].append(got)
                print(
                    f"    {mode:10}: {got['seconds']:6.1f} s "
                    f"({args.articles / got['seconds']:5.0f} articles/s), CPU {got['cpu']:.1f} s, "
                    f"peak RSS {got['rss']:.0f} MiB, load {load:.1f}; applied {got['applied']}"
                )
        together = sum(r["cpu"] for r in results["together"])
        alone = sum(r["cpu"] for r in results["one by one"])
        print(f"    CPU together / one by one: {together / alone:.2f} (all rounds)")


if __name__ == "__main__":
    main()
