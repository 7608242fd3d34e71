"""Two worker processes ingesting the same new content at once yield exactly one article."""

from __future__ import annotations

import multiprocessing as mp
from typing import Any

from ingest.normalise.items import make_item
from ingest.record.recorder import ArticleRecorder, SourceRef
from store import EventStore
from tests.ingest.conftest import T0

ROUNDS = 15


def _worker(url: str, source_id: str, barrier: Any, results: Any) -> None:
    store = EventStore.open(url)
    recorder = ArticleRecorder(store)
    try:
        for n in range(ROUNDS):
            items = [
                make_item(
                    url=f"https://tin.example.vn/bai-{n}-{k}.html",
                    title=f"Tin số {n}-{k}",
                    text=f"Đoàn công tác hai nước làm việc tại cửa khẩu, lượt {n}, mục {k}.",
                    extractor="folder-text",
                )
                for k in range(3)
            ]
            barrier.wait(timeout=30)
            counts = recorder.record(
                SourceRef(source_id, "feed"), items, fetched=T0, correlation_id=source_id
            )
            results.put(dict(counts))
    finally:
        store.close()


def _race(url: str, sources: tuple[str, str]) -> list[dict[str, int]]:
    EventStore.open(url).close()  # migrate once, before the race
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(2)
    results = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(url, s, barrier, results)) for s in sources]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
        assert proc.exitcode == 0
    return [results.get(timeout=5) for _ in range(2 * ROUNDS)]


def test_two_processes_on_one_source_append_each_article_exactly_once(store_url: str) -> None:
    _race(store_url, ("same", "same"))
    store = EventStore.open(store_url)
    try:
        kinds = [e.type for e in store.read_all()]
    finally:
        store.close()
    assert kinds.count("ArticleIngested") == 3 * ROUNDS
    assert set(kinds) == {"ArticleIngested"}


def test_two_processes_on_two_sources_yield_one_article_and_one_sighting(store_url: str) -> None:
    _race(store_url, ("vn-a", "vn-b"))
    store = EventStore.open(store_url)
    try:
        ingested = [e for e in store.read_all() if e.type == "ArticleIngested"]
        sighted = [e for e in store.read_all() if e.type == "ArticleSighted"]
    finally:
        store.close()
    assert len(ingested) == 3 * ROUNDS and len(sighted) == 3 * ROUNDS
    assert {e.data["article_id"] for e in ingested} == {e.data["article_id"] for e in sighted}
