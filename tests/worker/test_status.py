"""`newsledger status`: a source's health is the ingest projection's fold of its facts; feed
files carry ages."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ingest.config import SourceConfig
from ingest.projections import fold
from newsledger.worker.published import published_files
from newsledger.worker.status import age, live_replicas, source_health
from store import Lease, RecordedEvent

NOW = datetime(2025, 3, 2, 9, 0, tzinfo=UTC)


def fact(event_type: str, version: int, **data: Any) -> RecordedEvent:
    return RecordedEvent(
        position=version,
        event_id=uuid.uuid4(),
        stream_id="source-kpl",
        stream_version=version,
        type=event_type,
        schema_version=1,
        data={"source_id": "kpl", **data},
        metadata={},
        recorded_at=NOW,
        hash="0" * 64,
    )


def health(stream: list[RecordedEvent], *, enabled: bool = True, lease: Lease | None = None) -> Any:
    source = SourceConfig("kpl", "feed", url="https://kpl.example.la/rss", enabled=enabled)
    return source_health(source, fold(stream).get("kpl"), lease=lease, now=NOW)


def test_a_source_never_polled_says_so() -> None:
    assert health([]).health == "never polled"


def test_consecutive_failures_make_a_source_failing_with_its_retry_time() -> None:
    stream = [
        fact("SourceFetched", 1, fetched="2025-03-01T08:00:00Z"),
        fact("SourceFetchFailed", 2, fetched="2025-03-02T08:00:00Z", failures=1,
             reason="dns", message="no such host", retry_at="2025-03-02T08:01:00Z"),
        fact("SourceFetchFailed", 3, fetched="2025-03-02T08:01:00Z", failures=2,
             reason="dns", message="no such host", retry_at="2025-03-02T08:03:00Z"),
    ]  # fmt: skip
    state = health(stream)
    assert state.health == "failing"
    assert state.failures == 2
    assert state.retry_at == "2025-03-02T08:03:00Z"
    assert state.last_success == "2025-03-01T08:00:00Z"
    assert state.error == "dns: no such host"


def test_a_success_after_failures_makes_the_source_healthy_again() -> None:
    stream = [
        fact("SourceFetchFailed", 1, fetched="2025-03-02T08:00:00Z", failures=1,
             reason="timeout", message="read timed out", retry_at="2025-03-02T08:01:00Z"),
        fact("SourceFetched", 2, fetched="2025-03-02T08:01:00Z"),
    ]  # fmt: skip
    state = health(stream)
    assert (state.health, state.failures, state.error) == ("ok", 0, None)


def test_gone_and_disabled_sources_are_reported_as_such() -> None:
    gone = fact("SourceGone", 1, url="https://kpl.example.la/rss", fetched="2025-03-02T08:00:00Z")
    assert health([gone]).health == "gone"
    assert health([], enabled=False).health == "disabled"


def test_only_an_unexpired_lease_names_the_replica_polling_the_source() -> None:
    live = Lease("source:kpl", "worker-2", NOW + timedelta(seconds=30))
    dead = Lease("source:kpl", "worker-3", NOW - timedelta(seconds=1))
    assert health([], lease=live).leased_by == "worker-2"
    assert health([], lease=dead).leased_by is None
    assert live_replicas([live, dead], now=NOW) == ("worker-2",)


def test_feed_files_are_listed_with_their_ages_and_hidden_files_skipped(tmp_path: Path) -> None:
    (tmp_path / "feeds").mkdir()
    atom = tmp_path / "feeds" / "all.atom"
    atom.write_bytes(b"<feed/>")
    (tmp_path / ".newsledger-manifest.json").write_text("{}")
    stamp = (NOW - timedelta(minutes=5)).timestamp()
    os.utime(atom, (stamp, stamp))
    [listed], pages = published_files(tmp_path, now=NOW)
    assert listed.name == "feeds/all.atom"
    assert listed.bytes == 7
    assert listed.age_seconds == 300
    assert pages == ()
    assert published_files(tmp_path / "missing", now=NOW) == ((), ())


def test_pages_are_counted_per_folder_with_their_newest(tmp_path: Path) -> None:
    for folder, count in (("articles", 4), ("feeds/all/archive", 2)):
        (tmp_path / folder).mkdir(parents=True)
        for n in range(count):
            page = tmp_path / folder / f"{n}.html"
            page.write_bytes(b"x" * 10)
            stamp = (NOW - timedelta(minutes=10 - n)).timestamp()
            os.utime(page, (stamp, stamp))
    (tmp_path / "articles" / ".a.html.k2j1.tmp").write_bytes(b"half")  # a publisher's
    documents, pages = published_files(tmp_path, now=NOW)
    assert documents == ()
    assert [(p.name, p.files, p.bytes, p.age_seconds) for p in pages] == [
        ("articles", 4, 40, 420.0),
        ("feeds/all/archive", 2, 20, 540.0),
    ]


def test_ages_are_short_for_a_table() -> None:
    assert [age(s) for s in (5, 125, 7200, 200000)] == ["5s", "2m", "2h", "2d"]
