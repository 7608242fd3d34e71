"""Polling feeds over real HTTP on 127.0.0.1: validators, redirects, 410, Retry-After, backoff."""

from __future__ import annotations

import gzip
import itertools
import time
from datetime import timedelta
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from ingest.config import DEFAULT_USER_AGENT
from ingest.projections import source_states
from store import EventStore, NewEvent
from tests.ingest.conftest import T0, events, fixture_bytes, make_config

RSS = fixture_bytes("vi_thoisu.rss")


def feed(source_id: str, url: str, **extra: Any) -> dict[str, Any]:
    return {"id": source_id, "kind": "feed", "url": url, "interval": "15m", **extra}


def test_a_feed_is_ingested_sanitised_and_reported(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    httpserver.expect_request("/rss").respond_with_data(RSS, content_type="application/rss+xml")
    h = harness_factory(store, make_config([feed("vn", httpserver.url_for("/rss"))]))
    report = h.poll("vn")
    assert report.outcome == "ok" and report.status == 200 and report.items == 3
    assert report.events == {"ArticleIngested": 3, "SourceFetched": 1}
    assert report.bytes == len(RSS) and report.latency > 0
    articles = events(store, "ArticleIngested")
    first = articles[0].data
    assert first["title"].startswith("Bộ trưởng Ngoại giao")
    assert first["canonical_url"] == "https://tin.example.vn/doi-ngoai/hop-tac-nang-luong-1001.html"
    assert first["language"] == "vi" and first["published"] == "2025-01-14T02:30:00Z"
    assert first["guid"] == "tin-1001" and first["extractor"] == "feedparser"
    for article in articles:
        html = article.data["html"]
        assert "<script" not in html and "onclick" not in html and "javascript:" not in html
        assert "alert" not in article.data["text"]
    fetched = events(store, "SourceFetched")[0].data
    assert fetched["ingested"] == 3 and fetched["items"] == 3 and fetched["status"] == 200


def test_the_user_agent_names_the_project(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    httpserver.expect_request("/rss", headers={"User-Agent": DEFAULT_USER_AGENT}).respond_with_data(
        RSS
    )
    h = harness_factory(store, make_config([feed("vn", httpserver.url_for("/rss"))]))
    assert h.poll("vn").outcome == "ok"
    assert DEFAULT_USER_AGENT.startswith("newsledger/")


def test_conditional_get_sends_validators_and_a_304_appends_nothing(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    seen: list[dict[str, str | None]] = []

    def handler(request: Request) -> Response:
        seen.append(
            {
                "etag": request.headers.get("If-None-Match"),
                "since": request.headers.get("If-Modified-Since"),
            }
        )
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(
            RSS, headers={"ETag": '"v1"', "Last-Modified": "Wed, 15 Jan 2025 07:00:00 GMT"}
        )

    httpserver.expect_request("/rss").respond_with_handler(handler)
    config = make_config([feed("vn", httpserver.url_for("/rss"))])
    h = harness_factory(store, config)
    h.poll("vn")
    head = store.head()
    report = h.poll("vn", now=T0 + timedelta(minutes=15))
    assert report.outcome == "not_modified" and report.status == 304 and report.events == {}
    assert store.head() == head
    assert seen[1] == {"etag": '"v1"', "since": "Wed, 15 Jan 2025 07:00:00 GMT"}
    # A new process reads the validators back from the log.
    fresh = harness_factory(store, config)
    assert fresh.poll("vn", now=T0 + timedelta(minutes=30)).outcome == "not_modified"
    assert store.head() == head


def test_a_200_with_only_known_items_appends_nothing(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    httpserver.expect_request("/rss").respond_with_data(RSS)
    h = harness_factory(store, make_config([feed("vn", httpserver.url_for("/rss"))]))
    h.poll("vn")
    head = store.head()
    report = h.poll("vn", now=T0 + timedelta(hours=1))
    assert report.outcome == "ok" and report.events == {} and store.head() == head


def test_a_gzip_body_is_decompressed(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    httpserver.expect_request("/rss").respond_with_data(
        gzip.compress(RSS), headers={"Content-Encoding": "gzip"}
    )
    h = harness_factory(store, make_config([feed("vn", httpserver.url_for("/rss"))]))
    assert h.poll("vn").events.get("ArticleIngested") == 3


def test_a_410_records_source_gone_and_stops_polling(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    httpserver.expect_request("/rss").respond_with_data("gone", status=410)
    config = make_config([feed("vn", httpserver.url_for("/rss"))])
    h = harness_factory(store, config)
    assert h.poll("vn").outcome == "gone"
    assert [e.type for e in events(store)] == ["SourceGone"]
    assert h.poll("vn", now=T0 + timedelta(days=1), force=True).requested is False
    assert len(httpserver.log) == 1
    # Known to a new process from the log alone.
    assert harness_factory(store, config).poll("vn", now=T0 + timedelta(days=2)).outcome == "gone"
    assert source_states(h.runner)["vn"].gone_url == httpserver.url_for("/rss")


def test_permanent_redirects_seen_on_consecutive_polls_become_source_moved(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": "/new"}
    )
    httpserver.expect_request("/new").respond_with_data(RSS)
    config = make_config([feed("vn", httpserver.url_for("/old"))], moved_after=3)
    h = harness_factory(store, config)
    outcomes = [h.poll("vn", now=T0 + timedelta(hours=n)).outcome for n in range(3)]
    assert outcomes == ["ok", "ok", "moved"]
    moved = events(store, "SourceMoved")
    assert len(moved) == 1
    assert moved[0].data["from_url"].endswith("/old") and moved[0].data["to_url"].endswith("/new")
    assert moved[0].data["streak"] == 3 and moved[0].data["status"] == 301
    h.poll("vn", now=T0 + timedelta(hours=4))
    assert httpserver.log[-1][0].path == "/new"
    # A new process polls the new URL straight away.
    harness_factory(store, config).poll("vn", now=T0 + timedelta(hours=5))
    assert httpserver.log[-1][0].path == "/new" and httpserver.log[-2][0].path == "/new"


def test_the_redirect_streak_survives_a_restart_through_the_log(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    httpserver.expect_request("/old").respond_with_data(
        "", status=308, headers={"Location": "/new"}
    )
    httpserver.expect_request("/new").respond_with_data(RSS)
    config = make_config([feed("vn", httpserver.url_for("/old"))], moved_after=2)
    harness_factory(store, config).poll("vn")
    assert harness_factory(store, config).poll("vn", now=T0 + timedelta(hours=1)).outcome == "moved"


def test_temporary_redirects_never_rewrite_the_url(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    httpserver.expect_request("/old").respond_with_data(
        "", status=302, headers={"Location": "/new"}
    )
    httpserver.expect_request("/new").respond_with_data(RSS)
    h = harness_factory(store, make_config([feed("vn", httpserver.url_for("/old"))], moved_after=2))
    for n in range(4):
        h.poll("vn", now=T0 + timedelta(hours=n))
    assert events(store, "SourceMoved") == []
    assert [r.path for r, _ in httpserver.log].count("/old") == 4


def test_retry_after_on_429_defers_that_host_only(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    httpserver.expect_request("/busy").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "120"}
    )
    httpserver.expect_request("/rss").respond_with_data(RSS)
    other = httpserver.url_for("/rss").replace("localhost", "127.0.0.1")
    busy = httpserver.url_for("/busy").replace("127.0.0.1", "localhost")
    h = harness_factory(
        store,
        make_config(
            [
                feed("busy", busy),
                feed("calm", other),
                feed("same-host", busy.replace("/busy", "/rss")),
            ]
        ),
    )
    failed = h.poll("busy")
    assert failed.outcome == "failed:http_status" and failed.status == 429
    assert failed.retry_at == T0 + timedelta(seconds=120)
    assert events(store, "SourceFetchFailed")[0].data["retry_at"] == "2025-05-01T08:02:00Z"
    assert h.poll("same-host", now=T0 + timedelta(seconds=60)).outcome == "deferred"
    assert h.poll("calm", now=T0 + timedelta(seconds=60)).outcome == "ok"
    assert h.poll("same-host", now=T0 + timedelta(seconds=121)).outcome == "ok"


def test_a_far_retry_after_holds_the_hosts_other_sources_an_hour_at_most(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    """ "Retry-After: Fri, 01 Jan 2100" from one feed held every feed of its host for the
    whole back-off cap (a day), and nothing said so. The feed that asked waits that long."""
    httpserver.expect_request("/busy").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "Fri, 01 Jan 2100 00:00:00 GMT"}
    )
    httpserver.expect_request("/rss").respond_with_data(RSS)
    busy = httpserver.url_for("/busy")
    config = make_config([feed("busy", busy), feed("same-host", busy.replace("/busy", "/rss"))])
    h = harness_factory(store, config)
    assert h.poll("busy").retry_at == T0 + timedelta(hours=24)  # backoff_cap
    assert h.poll("same-host", now=T0 + timedelta(minutes=59)).outcome == "deferred"
    assert h.poll("same-host", now=T0 + timedelta(minutes=61)).outcome == "ok"


def test_failures_back_off_exponentially_and_recover_by_themselves(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    state = {"fail": True}

    def handler(request: Request) -> Response:
        return Response("oops", status=500) if state["fail"] else Response(RSS)

    httpserver.expect_request("/rss").respond_with_handler(handler)
    h = harness_factory(
        store,
        make_config(
            [feed("vn", httpserver.url_for("/rss"))], backoff_base="60s", backoff_cap="10m"
        ),
        jitter=1.0,
    )
    now = T0
    delays = []
    for _ in range(5):
        report = h.poll("vn", now=now)
        assert report.outcome == "failed:http_status"
        assert report.retry_at is not None
        delays.append((report.retry_at - now).total_seconds())
        assert h.poll("vn", now=now + timedelta(seconds=1)).outcome == "deferred"
        now = report.retry_at
    assert delays == [60, 120, 240, 480, 600]
    assert [e.data["failures"] for e in events(store, "SourceFetchFailed")] == [1, 2, 3, 4, 5]
    state["fail"] = False
    recovered = h.poll("vn", now=now)
    assert recovered.outcome == "ok" and recovered.events.get("SourceFetched") == 1
    view = source_states(h.runner)["vn"]
    assert view.failures == 0 and view.last_success == "2025-05-01T08:25:00Z"
    assert view.last_error_reason == "http_status"


def test_a_304_after_failures_records_the_recovery(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    responses = iter(
        [Response(RSS, headers={"ETag": '"e"'}), Response("x", status=503), Response(status=304)]
    )
    httpserver.expect_request("/rss").respond_with_handler(lambda request: next(responses))
    h = harness_factory(store, make_config([feed("vn", httpserver.url_for("/rss"))]))
    h.poll("vn")
    h.poll("vn", now=T0 + timedelta(hours=1))
    report = h.poll("vn", now=T0 + timedelta(days=1))
    assert report.outcome == "not_modified" and report.events == {"SourceFetched": 1}
    assert source_states(h.runner)["vn"].failures == 0


def test_the_global_concurrency_cap_and_host_gap_space_requests(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    stamps: list[float] = []

    def handler(request: Request) -> Response:
        stamps.append(time.monotonic())
        return Response(RSS)

    httpserver.expect_request("/rss").respond_with_handler(handler)
    url = httpserver.url_for("/rss")
    sources = [feed(f"s{n}", f"{url}?n={n}") for n in range(4)]
    h = harness_factory(store, make_config(sources, host_gap="200ms", concurrency=2))
    reports = h.round()
    assert {r.outcome for r in reports} == {"ok"}
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert all(gap >= 0.15 for gap in gaps), gaps


def test_due_sources_respect_interval_backoff_and_enabled(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    httpserver.expect_request("/rss").respond_with_data(RSS)
    httpserver.expect_request("/bad").respond_with_data("no", status=500)
    config = make_config(
        [
            feed("good", httpserver.url_for("/rss"), interval="15m"),
            feed("bad", httpserver.url_for("/bad"), interval="15m"),
            feed("off", httpserver.url_for("/rss"), enabled=False),
        ],
        backoff_base="1h",
    )
    h = harness_factory(store, config, jitter=0.0)
    assert [s.id for s in h.poller.due(T0)] == ["good", "bad"]
    h.round(now=T0)
    assert h.poller.due(T0 + timedelta(minutes=10)) == []
    assert [s.id for s in h.poller.due(T0 + timedelta(minutes=15))] == ["good"]
    assert [s.id for s in h.poller.due(T0 + timedelta(minutes=30))] == ["good", "bad"]
    reports = h.round(now=T0 + timedelta(minutes=16))
    assert {r.source_id: r.outcome for r in reports} == {
        "good": "ok",
        "bad": "deferred",
        "off": "disabled",
    }
    assert [r.requested for r in reports] == [True, False, False]


def test_new_validators_without_new_items_are_kept_in_memory_only(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    tags = iter(['"a"', '"b"', '"b"'])
    sent: list[str | None] = []

    def handler(request: Request) -> Response:
        sent.append(request.headers.get("If-None-Match"))
        tag = next(tags)
        if request.headers.get("If-None-Match") == tag:
            return Response(status=304)
        return Response(RSS, headers={"ETag": tag})

    httpserver.expect_request("/rss").respond_with_handler(handler)
    h = harness_factory(store, make_config([feed("vn", httpserver.url_for("/rss"))]))
    h.poll("vn")
    head = store.head()
    assert h.poll("vn", now=T0 + timedelta(hours=1)).events == {}
    assert store.head() == head
    assert h.poll("vn", now=T0 + timedelta(hours=2)).outcome == "not_modified"
    assert sent == [None, '"a"', '"b"']


def test_a_validator_no_request_can_carry_back_is_dropped_not_kept_for_ever(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    """An ETag of raw UTF-8 bytes was stored and sent back: every later request of the
    source failed before leaving (httpx cannot encode it), in new processes too, and the
    source still showed as healthy. Now the source is fetched whole, as if it sent none."""
    sent: list[str | None] = []

    def handler(request: Request) -> Response:
        sent.append(request.headers.get("If-None-Match"))
        return Response(RSS, headers={"ETag": '"caf\xc3\xa9-\xff"', "Last-Modified": "x\x7f"})

    httpserver.expect_request("/rss").respond_with_handler(handler)
    config = make_config([feed("vn", httpserver.url_for("/rss"))])
    h = harness_factory(store, config)
    assert h.poll("vn").outcome == "ok"
    assert h.poll("vn", now=T0 + timedelta(hours=1)).outcome == "ok"
    # A log written before: the unusable validators stored with the fetch.
    store.append(
        "source-vn",
        [
            NewEvent(
                "SourceFetched",
                {**events(store, "SourceFetched")[-1].data, "etag": '"caf\xc3\xa9"'},
            )
        ],
    )
    fresh = harness_factory(store, config)
    assert fresh.poll("vn", now=T0 + timedelta(hours=2)).outcome == "ok"
    assert sent == [None, None, None]


def test_an_unexpected_error_is_recorded_as_a_failure_the_status_shows(
    store: EventStore,
    httpserver: HTTPServer,
    harness_factory: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bug while polling a source was logged and reported, but left no fact: `sources`
    and `status` showed the source healthy however often it failed."""
    httpserver.expect_request("/rss").respond_with_data(RSS)
    h = harness_factory(store, make_config([feed("vn", httpserver.url_for("/rss"))]))

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("ingest.poller.parse_response", broken)
    report = h.poll("vn")
    assert report.outcome == "error" and "ZeroDivisionError" in (report.message or "")
    [failed] = events(store, "SourceFetchFailed")
    assert failed.data["reason"] == "internal" and "a bug" in failed.data["message"]
    state = source_states(h.runner)["vn"]
    assert state.failures == 1 and "a bug" in (state.last_error or "")


def test_a_304_to_a_request_without_validators_is_a_failure_not_no_news(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    """A server answering the very first, unconditional GET with 304 (and an ETag) made
    the source "not modified" on every poll: healthy in `status`, and never an article."""
    httpserver.expect_request("/rss").respond_with_data(b"", status=304, headers={"ETag": '"x"'})
    h = harness_factory(store, make_config([feed("vn", httpserver.url_for("/rss"))]))
    report = h.poll("vn")
    assert report.outcome == "failed:http_status" and report.status == 304
    (failed,) = events(store, "SourceFetchFailed")
    assert failed.data["message"] == "HTTP 304 to a request without validators"


def test_a_failure_message_is_kept_to_a_bounded_length() -> None:
    """A status line of 7.7 KB of high bytes became a 38 KB `SourceFetchFailed` at every
    step of the back-off."""
    from ingest.errors import MESSAGE_CHARS, FetchError

    failure = FetchError("http_status", "HTTP 500 " + "\\xff" * 8000, retry_after="9" * 5000)
    assert len(failure.message) == MESSAGE_CHARS and failure.message.endswith("…")
    assert failure.retry_after is not None and len(failure.retry_after) == 100
