"""A failed source is polled again when its back-off ends, not an interval later: the log
and `status` say "retry at …", and the worker keeps its word."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsledger.app import App
from newsledger.config import load_settings
from newsledger.worker.scheduler import Worker
from newsledger.worker.settings import parse_worker_settings
from tests.worker.conftest import FeedServer, news_item, wait_for, write_config


@pytest.fixture
def server() -> Iterator[FeedServer]:
    served = FeedServer()
    yield served
    served.close()


@contextlib.contextmanager
def running(tmp_path: Path, server: FeedServer, *, interval: str, backoff: str) -> Iterator[Worker]:
    """A started worker polling one feed of `server`, stopped at the end."""
    config = write_config(
        tmp_path,
        store_url=f"sqlite:///{tmp_path}/retry.db",
        sources=[{"id": "news", "kind": "feed", "url": server.url("news"), "interval": interval}],
    )
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('backoff_base = "1s"', f'backoff_base = "{backoff}"'), "utf-8")
    app = App(settings=load_settings(str(config), environ={}))
    worker = Worker(
        app, parse_worker_settings(app.settings.raw, file=app.settings.name, environ={})
    )
    try:
        worker.start()
        yield worker
    finally:
        worker.stop()
        app.close()


def test_a_feed_that_failed_is_retried_when_its_back_off_ends_and_then_recovers(
    tmp_path: Path, server: FeedServer
) -> None:
    from datetime import UTC, datetime

    # Hourly, as news feeds are: without the retry it would be polled again in an hour.
    with running(tmp_path, server, interval="1h", backoff="1s") as worker:
        wait_for(lambda: server.requests.get("news", 0) >= 1, timeout=20)  # 404: not there
        server.publish("news", [news_item("news", 1, now=datetime.now(UTC))])
        wait_for(lambda: server.requests.get("news", 0) >= 2, timeout=20)  # retried in ~1.5 s
        store = worker.app.store
        wait_for(lambda: any(e.type == "ArticleIngested" for e in store.read_all()), timeout=20)
        failed = [e for e in store.read_all() if e.type == "SourceFetchFailed"]
        assert len(failed) == 1
        # Recovered: no further retry is due, only the hourly poll.
        assert worker.scheduler.get_job("retry:news") is None


def test_a_back_off_longer_than_the_interval_schedules_no_early_retry(
    tmp_path: Path, server: FeedServer
) -> None:
    with running(tmp_path, server, interval="2s", backoff="1h") as worker:
        wait_for(lambda: server.requests.get("news", 0) >= 1, timeout=20)
        wait_for(lambda: worker.app.store.head() >= 1, timeout=20)
        assert worker.scheduler.get_job("retry:news") is None  # the interval comes first


def test_a_worker_restarted_during_a_back_off_retries_when_it_ends(
    tmp_path: Path, server: FeedServer
) -> None:
    # The restarted worker's first poll finds the source backing off ("deferred"): it must
    # still be retried at the back-off's end, which `sources` shows as its next poll.
    with running(tmp_path, server, interval="1h", backoff="8s") as worker:
        wait_for(lambda: server.requests.get("news", 0) >= 1, timeout=20)
        wait_for(lambda: worker.app.store.head() >= 1, timeout=20)  # the failure is recorded
    assert server.requests.get("news", 0) == 1  # stopped before its retry (4-8 s later)
    with running(tmp_path, server, interval="1h", backoff="8s"):
        wait_for(lambda: server.requests.get("news", 0) >= 2, timeout=30)
