"""A poll that brings nothing new appends no fact, yet the next process must know it
happened: `run --once` from cron is a new process every time, and polled such a source on
every run (unconditionally, its validators lost) whatever its interval. The poller keeps
each source's last poll as a store note (not a fact); a new poller takes it up."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from ingest.config import IngestConfig
from ingest.projections import source_states
from store import EventStore
from tests.ingest.conftest import T0, fixture_bytes, make_config

EMPTY_RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Tin trong ngày</title><link>http://example.org/</link>
<description>Chưa có bài</description></channel></rss>""".encode()


def _feed(source_id: str, url: str) -> dict[str, Any]:
    return {"id": source_id, "kind": "feed", "url": url, "interval": "1h"}


def _new_process(harness_factory: Any, store: EventStore, config: IngestConfig) -> Any:
    """A fresh poller on the same store: what a new `run --once` starts from."""
    return harness_factory(store, config, jitter=0.0)


def test_a_feed_with_no_items_is_not_due_again_in_a_new_process_before_its_interval(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    httpserver.expect_request("/empty").respond_with_data(EMPTY_RSS)
    config = make_config([_feed("empty", httpserver.url_for("/empty"))])
    first = _new_process(harness_factory, store, config)
    [report] = first.round(now=T0)
    assert report.outcome == "ok" and report.appended == 0  # no fact: nothing happened
    later = _new_process(harness_factory, store, config)
    assert later.poller.due(T0 + timedelta(minutes=59)) == []
    assert [s.id for s in later.poller.due(T0 + timedelta(hours=1))] == ["empty"]


def test_a_new_process_polls_conditionally_with_the_validators_of_a_poll_that_brought_nothing(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    seen: list[str | None] = []

    def handler(request: Request) -> Response:
        seen.append(request.headers.get("If-None-Match"))
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(EMPTY_RSS, headers={"ETag": '"v1"'}, content_type="application/rss+xml")

    httpserver.expect_request("/rss").respond_with_handler(handler)
    config = make_config([_feed("quiet", httpserver.url_for("/rss"))])
    _new_process(harness_factory, store, config).round(now=T0)
    second = _new_process(harness_factory, store, config)
    [report] = second.round(now=T0 + timedelta(hours=2))
    assert report.outcome == "not_modified"
    assert seen == [None, '"v1"']
    # The 304 moved the last poll on too: a third process waits from it.
    third = _new_process(harness_factory, store, config)
    assert third.poller.due(T0 + timedelta(hours=2, minutes=30)) == []


def test_a_source_whose_url_was_changed_is_due_at_once_in_a_new_process(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    # The old URL brings articles: its poll is a fact, whose attempt must not count for
    # the new URL.
    httpserver.expect_request("/old").respond_with_data(fixture_bytes("vi_thoisu.rss"))
    httpserver.expect_request("/new").respond_with_data(EMPTY_RSS)
    old = make_config([_feed("s", httpserver.url_for("/old"))])
    _new_process(harness_factory, store, old).round(now=T0)
    new = make_config([_feed("s", httpserver.url_for("/new"))])
    edited = _new_process(harness_factory, store, new)
    # The last attempt was at another URL: the new one was never polled.
    assert [s.id for s in edited.poller.due(T0 + timedelta(minutes=5))] == ["s"]
    edited.round(now=T0 + timedelta(minutes=5))
    after = _new_process(harness_factory, store, new)
    assert after.poller.due(T0 + timedelta(minutes=30)) == []


def test_notes_are_kept_beside_the_log_not_in_it(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    httpserver.expect_request("/empty").respond_with_data(EMPTY_RSS)
    config = make_config([_feed("empty", httpserver.url_for("/empty"))])
    _new_process(harness_factory, store, config).round(now=T0)
    assert store.head() == 0
    note = store.notes(prefix="poll:")["poll:empty"]
    assert note["attempted"] == "2025-05-01T08:00:00Z"
    assert note["url"] == httpserver.url_for("/empty")


def test_a_poll_its_hosts_retry_after_deferred_leaves_no_note(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    """No request went out: a note would make the next process wait a whole interval."""
    httpserver.expect_request("/busy").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "120"}
    )
    httpserver.expect_request("/rss").respond_with_data(EMPTY_RSS)
    config = make_config(
        [_feed("busy", httpserver.url_for("/busy")), _feed("same-host", httpserver.url_for("/rss"))]
    )
    h = _new_process(harness_factory, store, config)
    assert h.poll("busy").outcome == "failed:http_status"
    assert h.poll("same-host", now=T0 + timedelta(seconds=60)).outcome == "deferred"
    assert "poll:same-host" not in store.notes(prefix="poll:")
    later = _new_process(harness_factory, store, config)
    assert "same-host" in [s.id for s in later.poller.due(T0 + timedelta(minutes=5))]


def test_a_200_that_ends_failures_with_nothing_new_records_the_recovery(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    """A poll bringing only articles already stored appended nothing: the log's last word
    stayed the failure, and the source showed "failing" for ever."""
    body = fixture_bytes("vi_thoisu.rss")
    responses = iter([Response(body), Response("x", status=503), Response(body)])
    httpserver.expect_request("/rss").respond_with_handler(lambda request: next(responses))
    h = _new_process(harness_factory, store, make_config([_feed("vn", httpserver.url_for("/rss"))]))
    h.poll("vn")
    h.poll("vn", now=T0 + timedelta(hours=1))
    report = h.poll("vn", now=T0 + timedelta(days=1))
    assert report.outcome == "ok" and report.events == {"SourceFetched": 1}
    assert source_states(h.runner)["vn"].failures == 0


def test_a_source_whose_failing_url_was_fixed_recovers_though_its_poll_brought_nothing(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    httpserver.expect_request("/good").respond_with_data(EMPTY_RSS)
    httpserver.expect_request("/typo").respond_with_data("no", status=404)
    good = make_config([_feed("s", httpserver.url_for("/good"))])
    _new_process(harness_factory, store, good).round(now=T0)
    typo = make_config([_feed("s", httpserver.url_for("/typo"))])
    _new_process(harness_factory, store, typo).round(now=T0 + timedelta(minutes=5))
    fixed = _new_process(harness_factory, store, good)
    [report] = fixed.round(now=T0 + timedelta(minutes=10))
    assert report.events == {"SourceFetched": 1}
    state = source_states(fixed.runner)["s"]
    assert state.failures == 0 and state.url == httpserver.url_for("/good")


def test_a_note_edited_by_hand_or_dated_in_the_future_is_ignored(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    """A number for a time crashed `sources`, `fetch` and `run --once` with a traceback; a
    note a wrong clock dated next year held its source back until then."""
    httpserver.expect_request("/empty").respond_with_data(EMPTY_RSS)
    url = httpserver.url_for("/empty")
    config = make_config([_feed("s", url)])
    good = {"configured": url, "url": url, "attempted": "2025-05-01T08:00:00Z"}
    edits: list[dict[str, Any]] = [
        {**good, "attempted": 1746086400},
        {**good, "last_success": ["2025"]},
        {**good, "attempted": "yesterday"},
        {**good, "etag": {"v": 1}},
        {**good, "attempted": "2099-01-01T00:00:00Z"},
        {**good, "last_success": "2099-01-01T00:00:00Z"},
    ]
    for edited in edits:
        store.write_notes({"poll:s": edited}, T0)
        h = _new_process(harness_factory, store, config)
        assert [s.id for s in h.poller.due(T0 + timedelta(minutes=1))] == ["s"], edited
        assert h.round(now=T0 + timedelta(minutes=1))[0].outcome == "ok"
    store.write_notes({"poll:s": good}, T0)
    assert _new_process(harness_factory, store, config).poller.due(T0 + timedelta(minutes=1)) == []


def test_a_poller_told_to_forget_a_source_reads_what_another_process_recorded(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    """Two replicas: B's memory of the source predates A's failure; told to forget (its
    lease came back), B records the recovery its 200 with nothing new would have left out."""
    body = fixture_bytes("vi_thoisu.rss")
    responses = iter([Response(body), Response(body), Response("x", status=503), Response(body)])
    httpserver.expect_request("/rss").respond_with_handler(lambda request: next(responses))
    config = make_config([_feed("vn", httpserver.url_for("/rss"))])
    a, b = (
        _new_process(harness_factory, store, config),
        _new_process(harness_factory, store, config),
    )
    a.poll("vn")
    b.poll("vn", now=T0 + timedelta(hours=1))
    assert a.poll("vn", now=T0 + timedelta(hours=2)).outcome == "failed:http_status"
    b.poller.forget("vn")
    assert b.poll("vn", now=T0 + timedelta(hours=3)).events == {"SourceFetched": 1}
    assert source_states(b.runner)["vn"].failures == 0


def test_a_source_moved_back_from_a_url_that_answered_410_is_due_at_once(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    """The 410 at the other URL was folded as an attempt at this one."""
    httpserver.expect_request("/rss").respond_with_data(fixture_bytes("vi_thoisu.rss"))
    httpserver.expect_request("/gone").respond_with_data("", status=410)
    first = make_config([_feed("s", httpserver.url_for("/rss"))])
    _new_process(harness_factory, store, first).round(now=T0)
    other = make_config([_feed("s", httpserver.url_for("/gone"))])
    assert (
        _new_process(harness_factory, store, other).round(now=T0 + timedelta(minutes=50))[0].outcome
        == "gone"
    )
    back = _new_process(harness_factory, store, first)
    # The last attempt at /rss was at T0; an hour's interval has passed by T0+65m.
    assert [s.id for s in back.poller.due(T0 + timedelta(minutes=65))] == ["s"]
