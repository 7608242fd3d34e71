"""Memory to ingest hostile feeds (security issue, finding 4): a feed at the default size
cap (10 MB) must never take more than about 5 x its size in memory to ingest.

    .venv/bin/python benchmarks/hostile_bench.py [--mb 10] [--only SUBSTRING]

Each feed (tests/support/hostile_feeds.py) is served from 127.0.0.1 and ingested by a
real `newsledger fetch` in its own process, with the default caps. Two figures, both from
the kernel (tests/security/peak.py):

- *poll rise*: how far the process's RSS rose above where it stood when the polling
  round began (VmHWM reset at that moment): the memory the ingest of that feed took;
- *peak - baseline*: its peak RSS minus that of the same command on a one-item feed.

The ratio is the poll rise over the feed's size.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.support.hostile_feeds import SHAPES, entity_bomb, fetch_measured, tiny  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=10.0, help="feed size (default: the cap)")
    parser.add_argument("--only", default="", help="only the shapes whose name has this")
    args = parser.parse_args()
    size = int(args.mb * 1_000_000)
    cases = {name: build for name, build in SHAPES.items() if args.only in name}
    if args.only in "1 MB entity x 90":
        cases["1 MB entity x 90"] = lambda _size: entity_bomb()
    with tempfile.TemporaryDirectory(prefix="nl-hostile-") as tmp:
        base = fetch_measured(tiny(), Path(tmp) / "baseline")
        print(f"baseline (one-item feed): peak RSS {base.peak_mb:.0f} MB, poll rise "
              f"{base.poll_growth_mb:.1f} MB")  # fmt: skip
        print(f"{'feed':<24} {'bytes':>11} {'rise MB':>8} {'x size':>7} {'peak-base':>9}  outcome")
        for n, (name, build) in enumerate(cases.items()):
            body = build(size)
            run = fetch_measured(body, Path(tmp) / f"case{n}")
            ratio = run.poll_growth_mb / (len(body) / 1_000_000)
            print(
                f"{name:<24} {len(body):>11,} {run.poll_growth_mb:>8.1f} {ratio:>7.2f} "
                f"{run.peak_mb - base.peak_mb:>9.1f}  {run.last_line[:60]}"
            )


if __name__ == "__main__":
    main()
