"""What a poll records about dates and headlines: dates feedparser rejects read in the
source's time zone, where each date came from, dates inferred from the text, the fetch time
marked as such, unreadable dates logged once per source, headlines and dateline places."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from ingest.config import ConfigError
from store import EventStore
from tests.ingest.conftest import T0, events, make_config

#: A poll after the dates of 14 September 2026 the tests read.
AFTER = datetime(2026, 9, 20, tzinfo=UTC)


def _rss(*items: tuple[str, str, str | None]) -> bytes:
    """An RSS document of (title, text, pubDate or None) items, each with its own link."""
    body = "".join(
        f"<item><title>{title}</title><link>https://e.example/{n}</link>"
        f"<description>{text}</description>"
        + (f"<pubDate>{date}</pubDate>" if date is not None else "")
        + "</item>"
        for n, (title, text, date) in enumerate(items)
    )
    head = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
    return f"{head}{body}</channel></rss>".encode()


def _poll(
    store: EventStore,
    httpserver: HTTPServer,
    harness_factory: Any,
    body: bytes,
    now: datetime = T0,
    **source: Any,
) -> list[dict[str, Any]]:
    httpserver.expect_request("/feed").respond_with_data(body, content_type="application/rss+xml")
    entry = {"id": "vn", "kind": "feed", "url": httpserver.url_for("/feed"), **source}
    harness_factory(store, make_config([entry])).poll(entry["id"], now=now)
    return [e.data for e in events(store, "ArticleIngested")]


def test_dates_feedparser_rejects_are_read_in_the_sources_time_zone(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    body = _rss(
        ("Một", "Tin một.", "Mon, 14 Sep 2026 19:46:22 +07"),
        ("Hai", "Tin hai.", "9/14/2026 6:44:00 PM"),
        ("Ba", "Tin ba.", "14/09/2026 19:46"),
        ("Bốn", "Tin bốn.", "Mon, 14 Sep 2026 12:00:00 GMT"),
    )
    data = _poll(store, httpserver, harness_factory, body, now=AFTER)
    assert [(d["published"], d["published_from"]) for d in data] == [
        ("2026-09-14T12:46:22Z", "feed"),
        ("2026-09-14T11:44:00Z", "feed"),  # 6:44 PM in Hồ Chí Minh City (UTC+7)
        ("2026-09-14T12:46:00Z", "feed"),
        ("2026-09-14T12:00:00Z", "feed"),  # the form feedparser reads itself
    ]


def test_a_sources_time_zone_decides_how_a_date_without_offset_is_read(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    body = _rss(("Một", "Tin một.", "14/09/2026 19:46"))
    (data,) = _poll(store, httpserver, harness_factory, body, now=AFTER, timezone="Europe/London")
    assert data["published"] == "2026-09-14T18:46:00Z"  # British Summer Time, UTC+1


def test_an_undated_item_takes_the_date_in_its_text_else_the_fetch_time(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    body = _rss(
        ("Hội đàm", "Sáng 14/3, tại Hà Nội, hai Bộ trưởng đã hội đàm.", None),
        ("Ký kết", "Hà Nội, ngày 2/1/2025 - Hai bên ký biên bản.", None),
        ("Không ngày", "Một tin không có ngày tháng.", None),
    )
    data = _poll(store, httpserver, harness_factory, body)
    assert [(d["published"], d["published_from"]) for d in data] == [
        ("2025-03-13T17:00:00Z", "body"),  # 14 March of the fetch year, midnight UTC+7
        ("2025-01-01T17:00:00Z", "body"),
        ("2025-05-01T08:00:00Z", "fetch"),  # T0, the poll's time
    ]
    assert data[2]["fetched"] == data[2]["published"]


def test_a_day_without_year_after_the_fetch_day_is_last_years(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    body = _rss(("Hội đàm", "Chiều 5/10, hai bên hội đàm.", None))
    (data,) = _poll(store, httpserver, harness_factory, body)
    assert data["published"] == "2024-10-04T17:00:00Z"  # T0 is 1 May 2025: never the future


def test_an_unreadable_date_is_logged_once_per_source_and_never_dropped(
    store: EventStore,
    httpserver: HTTPServer,
    harness_factory: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    body = _rss(
        ("Một", "Tin một.", "hôm qua lúc chiều"),
        ("Hai", "Tin hai.", "không rõ ngày"),
    )
    # "Once per source" is per process: a name of its own keeps this test's source fresh.
    source_id = f"unreadable-{uuid.uuid4().hex[:8]}"
    with caplog.at_level(logging.WARNING):
        data = _poll(store, httpserver, harness_factory, body, id=source_id)
    warnings = [r.getMessage() for r in caplog.records if "cannot use the date" in r.getMessage()]
    assert len(warnings) == 1 and f"source {source_id}" in warnings[0]
    assert "hôm qua lúc chiều" in warnings[0]
    assert [d["published_from"] for d in data] == ["fetch", "fetch"]


def test_a_date_later_than_the_fetch_is_not_taken_and_is_logged(
    store: EventStore,
    httpserver: HTTPServer,
    harness_factory: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A feed dated 9999 (or 2099) pinned its items atop the index and every feed's
    `updated`. A day past the fetch is still taken (a time zone written wrong)."""
    body = _rss(
        ("Một", "Tin một.", "Fri, 01 Jan 2099 00:00:00 GMT"),
        ("Hai", "Tin hai.", "99999-01-01T00:00:00Z"),
        ("Ba", "Tin ba.", "Thu, 01 May 2025 20:00:00 GMT"),  # 12 hours after the fetch
    )
    source_id = f"future-{uuid.uuid4().hex[:8]}"
    with caplog.at_level(logging.WARNING):
        data = _poll(store, httpserver, harness_factory, body, id=source_id)
    assert [(d["published"], d["published_from"]) for d in data] == [
        ("2025-05-01T08:00:00Z", "fetch"),
        ("2025-05-01T08:00:00Z", "fetch"),
        ("2025-05-01T20:00:00Z", "feed"),
    ]
    warnings = [r.getMessage() for r in caplog.records if "cannot use the date" in r.getMessage()]
    assert len(warnings) == 1 and "2099" in warnings[0]


def test_a_dateline_place_in_capitals_becomes_the_place_field(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    body = _rss(
        ("Talks", "VIENTIANE — The two ministers held talks on Sunday.", None),
        ("Hội đàm", "HÀ NỘI (TTXVN) – Hai Bộ trưởng hội đàm.", None),
        ("None", "Laos — a country of mountains — grows rice.", None),
    )
    data = _poll(store, httpserver, harness_factory, body)
    assert [d["place"] for d in data] == ["VIENTIANE", "HÀ NỘI", None]


def test_a_feed_item_without_a_title_gets_a_headline(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    text = (
        "HÀ NỘI — Vietnamese Minister of Foreign Affairs Bùi Thanh Sơn held talks with his "
        "Lao counterpart Thongsavanh Phomvihane in Vientiane on Sunday."
    )
    (data,) = _poll(store, httpserver, harness_factory, _rss(("", text, None)))
    assert data["title"] == "Vietnamese Minister of Foreign Affairs Bùi Thanh Sơn held talks…"
    assert data["place"] == "HÀ NỘI"


def _folder_titles(
    store: EventStore, harness_factory: Any, folder: Path, **source: Any
) -> list[tuple[str, str | None]]:
    config = make_config([{"id": "notes", "kind": "folder", "path": str(folder), **source}])
    harness_factory(store, config).poll("notes", now=T0)
    return [(e.data["title"], e.data["place"]) for e in events(store, "ArticleIngested")]


def test_folder_dateline_articles_get_a_headline_by_the_sources_rule(
    store: EventStore, harness_factory: Any, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_text(
        " date 2025-02-18 HÀ NỘI — Vietnamese companies have registered 270 investment "
        "projects in Laos, making Việt Nam the third-largest investor, a conference heard.\n\n"
        "More text.",
        encoding="utf-8",
    )
    assert _folder_titles(store, harness_factory, tmp_path) == [
        ("Vietnamese companies have registered 270 investment projects in Laos…", "HÀ NỘI")
    ]


def test_the_clause_headline_rule_keeps_the_first_clause(
    store: EventStore, harness_factory: Any, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_text(
        " date 2025-03-02 VIENTIANE — Trade rose 12 per cent in two months, customs said.",
        encoding="utf-8",
    )
    titles = _folder_titles(store, harness_factory, tmp_path, headline="clause")
    assert titles == [("Trade rose 12 per cent in two months", "VIENTIANE")]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("timezone", "Mars/Olympus", "field 'timezone': expected an IANA time zone"),
        ("timezone", 7, "field 'timezone': expected an IANA time zone"),
        ("headline", "first", "field 'headline': expected one of sentence, clause"),
    ],
)
def test_timezone_and_headline_are_checked_with_a_message_naming_the_field(
    field: str, value: Any, message: str
) -> None:
    entry = {"id": "vn", "kind": "feed", "url": "https://e.example/rss", field: value}
    with pytest.raises(ConfigError, match=message):
        make_config([entry])


def test_the_default_time_zone_is_ho_chi_minh_city() -> None:
    (source,) = make_config([{"id": "vn", "kind": "feed", "url": "https://e.example/rss"}]).sources
    assert (source.timezone, source.headline) == ("Asia/Ho_Chi_Minh", "sentence")
