"""What the store benchmark's parts share: the ~5 KB documents both stores are fed, the
no-op projection our replay runs through, and the peak-RSS probe."""

from __future__ import annotations

import random
import resource
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Connection, Integer, Table

from store import Projection, RecordedEvent, canonical_json, view_table

WORDS = (
    "Việt Nam Lào hợp tác đầu tư thương mại hội đàm Thủ tướng Chủ tịch nước kinh tế "
    "tăng trưởng dự án triệu USD tỷ đồng Vientiane Hà Nội meeting talks investment trade "
    "growth percent billion million cooperation delegation official visit"
).split()
DISTINCT = 10_000  # documents generated; longer runs reuse them in turn


def payload(i: int) -> dict[str, Any]:
    """A ~5 KB article-like JSON document, deterministic in `i`."""
    rng = random.Random(i)
    return {
        "article_id": str(uuid.UUID(int=rng.getrandbits(128))),
        "title": " ".join(rng.choices(WORDS, k=10)),
        "text": " ".join(rng.choices(WORDS, k=860)),
        "source_id": f"source-{i % 50}",
        "url": f"https://example.org/news/{i}",
        "n": i,
    }


_DOCUMENTS: list[dict[str, Any]] = []


def prepare(count: int) -> list[dict[str, Any]]:
    """`count` documents, generated before any timed loop (generation is not storage)."""
    _DOCUMENTS.extend(payload(i) for i in range(len(_DOCUMENTS), min(count, DISTINCT)))
    if count <= len(_DOCUMENTS):
        return _DOCUMENTS[:count]
    return [_DOCUMENTS[i % DISTINCT] for i in range(count)]


def texts() -> list[str]:
    """The documents as JSON text, for the raw limits (which store text they are handed)."""
    return [canonical_json(d) for d in prepare(DISTINCT)]


class NoOp(Projection):
    name = "noop"

    def tables(self, generation: int) -> dict[str, Table]:
        return {"t": view_table("bench_noop", generation, Column("id", Integer, primary_key=True))}

    def apply(
        self, conn: Connection, tables: Mapping[str, Table], events: Sequence[RecordedEvent]
    ) -> None:
        return None


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: ru_maxrss survives exec and would
    report the forking parent's size (which holds every payload) instead of ours."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


__all__ = ["NoOp", "payload", "peak_rss_mb", "prepare", "texts"]
