"""What the kind of article id costs the writes keyed by it, on SQLite: random ids
(version 4 UUIDs, what the recorder made before 2026-12-03) against ids that grow with
time (`ingest.record.chunk.new_article_id`, version 7).

Two writes, each into a fresh file made by `EventStore.open` (the store's own pragmas),
the kinds alternating, `--rounds` times:

- the log: ~5 KB article events in batches of 100, each to its `article-<id>` stream
  (the poll's appends; the log indexes streams by name);
- a view: the stories view's members (`feeds.stories.stories_tables`: keyed by article
  id, indexed by story id) in write transactions of 1,000 rows, as a catch-up of 1,000
  articles writes them (the stories benchmark's projection process reads 1,000 events a
  batch, the worker 500); that transaction is SQLite's one write lock, which a poll's
  appends wait for.

Each prints its rate over the whole run and the time of the last tenth (when the indexes
are largest). Usage: python benchmarks/article_ids_bench.py [--articles N] [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from store_support import prepare

from feeds.bulk import insert_rows
from feeds.stories import stories_tables
from ingest.record.chunk import new_article_id
from store import EventStore, NewEvent, StreamAppend

KINDS: dict[str, Callable[[], str]] = {
    "random (v4)": lambda: str(uuid.uuid4()),
    "time-ordered (v7)": new_article_id,
}


def log_appends(path: str, ids: list[str]) -> tuple[float, float]:
    """Seconds for all the appends, and per append over the last tenth."""
    store = EventStore.open(f"sqlite:///{path}")
    documents = prepare(len(ids))
    clock = _Tail(len(ids))
    for at in range(0, len(ids), 100):
        clock.at(at)
        store.append_many(
            [
                StreamAppend(
                    f"article-{aid}", [NewEvent("ArticleIngested", {**doc, "article_id": aid})]
                )
                for aid, doc in zip(ids[at : at + 100], documents[at : at + 100], strict=True)
            ]
        )
    store.close()
    return clock.done()


def member_writes(path: str, ids: list[str]) -> tuple[float, float]:
    store = EventStore.open(f"sqlite:///{path}")
    table = stories_tables(1)["story_members"]
    table.create(store.engine)
    columns = [c.name for c in table.columns]
    bands = bytes(168)  # 42 band keys
    clock = _Tail(len(ids))
    for at in range(0, len(ids), 1000):
        clock.at(at)
        rows = [
            # A tenth join the story of an earlier article, as the benchmark's copies do.
            (aid, n, n, ids[n // 2] if n % 10 == 9 else aid, aid, None, None, None, None,
             "first", None, None, "bench", f"https://example.org/{n}", f"Tin số {n}", "vi",
             "2025-06-01T06:00:00Z", bands)
            for n, aid in enumerate(ids[at : at + 1000], start=at)
        ]  # fmt: skip
        with store.engine.begin() as conn:
            insert_rows(conn, table, columns, rows)
    store.close()
    return clock.done()


class _Tail:
    """The time of a whole run and of its last tenth (at least: from the last batch that
    starts at or before 90 % of the rows), per row of what it timed."""

    def __init__(self, rows: int) -> None:
        self.rows, self.start, self.tail_at = rows, time.perf_counter(), 0
        self.tail_start = self.start

    def at(self, row: int) -> None:
        if row <= self.rows - self.rows // 10:
            self.tail_at, self.tail_start = row, time.perf_counter()

    def done(self) -> tuple[float, float]:
        """Seconds for all the rows, and seconds per row over the tail."""
        end = time.perf_counter()
        return end - self.start, (end - self.tail_start) / (self.rows - self.tail_at)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    n = args.articles
    print(f"{n:,} articles, load {os.getloadavg()[0]:.1f}")
    for what, write, unit, rows, per in (
        ("log appends (batches of 100 ~5 KB events)", log_appends, 100, "events", "batch"),
        ("story members (transactions of 1,000 rows)", member_writes, 1000, "rows", "transaction"),
    ):
        print(what)
        for round_ in range(args.rounds):
            kinds = list(KINDS) if round_ % 2 == 0 else list(KINDS)[::-1]
            for kind in kinds:
                ids = [KINDS[kind]() for _ in range(n)]
                with tempfile.TemporaryDirectory() as work:
                    seconds, per_row = write(str(Path(work) / "bench.db"), ids)
                print(
                    f"  {kind:18} {n / seconds:9,.0f} {rows}/s; last tenth "
                    f"{per_row * unit * 1000:6.1f} ms a {per} of {unit:,}"
                )


if __name__ == "__main__":
    main()
