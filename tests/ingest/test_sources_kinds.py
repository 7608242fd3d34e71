"""Folder and page sources, and feeds that fetch each new entry's page (full_text)."""

from __future__ import annotations

import os
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from store import EventStore
from tests.ingest.conftest import FIXTURES, T0, events, fixture_bytes, make_config, to_cp1258


def folder_config(path: Path, **extra: Any) -> Any:
    return make_config(
        [{"id": "samples", "kind": "folder", "path": str(path), "interval": "15m", **extra}]
    )


def test_a_folder_of_text_markdown_and_html_files_is_ingested(
    store: EventStore, tmp_path: Path, harness_factory: Any
) -> None:
    folder = tmp_path / "articles"
    shutil.copytree(FIXTURES / "folder", folder)
    h = harness_factory(store, folder_config(folder))
    report = h.poll("samples")
    assert report.outcome == "ok" and report.items == 4
    assert report.events == {"ArticleIngested": 4, "SourceFetched": 1}
    by_file = {
        Path(e.data["url"].removeprefix("file://")).name: e.data
        for e in events(store, "ArticleIngested")
    }
    titled = by_file["001_hop-tac-giao-duc.txt"]
    assert titled["title"] == "Việt Nam và Lào mở rộng hợp tác đào tạo cán bộ"
    assert titled["text"].startswith("Chiều 3/3") and titled["language"] == "vi"
    assert titled["extractor"] == "folder-text" and titled["html"] is None
    dated = by_file["002_expressway.txt"]
    # The dateline's day at midnight in the source's zone (UTC+7), as a day in the lead.
    assert dated["published"] == "2025-03-09T17:00:00Z" and dated["place"] == "VIENTIANE"
    assert dated["title"].startswith("Lao and Vietnamese officials on Monday opened")
    assert dated["language"] == "en" and not dated["text"].startswith("date")
    assert by_file["003_ghi-chu.md"]["title"] == "Tuần lễ văn hóa Lào tại Đà Nẵng"
    page = by_file["004_page.html"]
    assert page["extractor"] == "folder-html" and "surgical wing" in page["text"]
    assert "document.write" not in page["text"] and "<script" not in (page["html"] or "")


@pytest.mark.timeout(60)  # the FIFO hung the code before: fail, do not wait 300 s
def test_only_regular_files_inside_the_folder_are_read(
    store: EventStore, tmp_path: Path, harness_factory: Any
) -> None:
    """A FIFO blocked the poll's reader for good (the worker stalled with it), a link to
    /dev/zero filled its memory (its size, 0, passed the cap), a link to a file outside the
    folder (/proc/self/environ) published the worker's environment, and an image named .txt
    was stored as a mojibake article."""
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "01-tin.txt").write_text("Tin một\n\nHai nước ký kết thỏa thuận.\n", "utf-8")
    os.mkfifo(folder / "02-fifo.txt")
    (folder / "03-zero.txt").symlink_to("/dev/zero")
    secret = tmp_path / "secret.txt"
    secret.write_text("Bí mật\n\nSECRET_TOKEN=abc123\n", "utf-8")
    (folder / "04-outside.txt").symlink_to(secret)
    (folder / "sub").mkdir()
    (folder / "sub" / "05-inner.txt").write_text("Tin năm\n\nNội dung năm.\n", "utf-8")
    (folder / "06-link-inside.txt").symlink_to(folder / "sub" / "05-inner.txt")
    (folder / "07-image.txt").write_bytes(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    )
    wide = "Tin bảy\n\nVăn bản UTF-16 có BOM.\n".encode("utf-16")
    (folder / "08-utf16.txt").write_bytes(wide)
    report = harness_factory(store, folder_config(folder)).poll("samples")
    assert report.outcome == "ok"
    ingested = events(store, "ArticleIngested")
    texts = " ".join(e.data["text"] for e in ingested)
    assert "SECRET_TOKEN" not in texts and "\x00" not in texts
    titles = sorted(e.data["title"] for e in ingested)
    # The link inside is a sighting of its target; the image is no article.
    assert titles == ["Tin bảy", "Tin một", "Tin năm"]


def test_new_and_changed_files_are_picked_up_on_the_next_poll(
    store: EventStore, tmp_path: Path, harness_factory: Any
) -> None:
    folder = tmp_path / "articles"
    shutil.copytree(FIXTURES / "folder", folder)
    h = harness_factory(store, folder_config(folder))
    h.poll("samples")
    assert h.poll("samples", now=T0 + timedelta(minutes=15)).events == {}
    (folder / "005_new.txt").write_text(
        "Tin mới về hợp tác nông nghiệp\nHai bên thống nhất mở rộng vùng trồng sắn.",
        encoding="utf-8",
    )
    changed = folder / "001_hop-tac-giao-duc.txt"
    changed.write_text(
        changed.read_text(encoding="utf-8") + "\nCập nhật: khóa học bắt đầu ngày 1/4.\n",
        encoding="utf-8",
    )
    os.utime(changed, ns=(changed.stat().st_mtime_ns + 10**9,) * 2)
    report = h.poll("samples", now=T0 + timedelta(minutes=30))
    assert report.events == {"ArticleIngested": 1, "ArticleRevised": 1, "SourceFetched": 1}
    assert report.items == 2  # only the new and the changed file were read
    # A restarted process reads every file again and finds nothing new.
    assert harness_factory(store, folder_config(folder)).poll("samples").events == {}


def test_a_legacy_encoded_text_file_decodes(
    store: EventStore, tmp_path: Path, harness_factory: Any
) -> None:
    (tmp_path / "cu.html").write_bytes(
        b'<html><head><meta charset="windows-1258"><title>x</title></head><body><article><p>'
        + to_cp1258(
            "Đoàn đại biểu tỉnh Savannakhet thăm và làm việc tại Quảng Trị trong ba ngày. " * 4
        )
        + b"</p></article></body></html>"
    )
    h = harness_factory(store, folder_config(tmp_path))
    h.poll("samples")
    assert "Đoàn đại biểu tỉnh Savannakhet" in events(store, "ArticleIngested")[0].data["text"]


def test_a_missing_folder_is_an_io_failure(
    store: EventStore, tmp_path: Path, harness_factory: Any
) -> None:
    h = harness_factory(store, folder_config(tmp_path / "nowhere"))
    assert h.poll("samples").outcome == "failed:io"
    assert events(store, "SourceFetchFailed")[0].data["reason"] == "io"


def test_a_page_source_extracts_title_date_language_and_text(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    httpserver.expect_request("/bai.html").respond_with_data(
        fixture_bytes("page_vi.html"), content_type="text/html; charset=utf-8"
    )
    config = make_config([{"id": "page", "kind": "page", "url": httpserver.url_for("/bai.html")}])
    report = harness_factory(store, config).poll("page")
    assert report.events == {"ArticleIngested": 1, "SourceFetched": 1}
    data = events(store, "ArticleIngested")[0].data
    assert data["title"].startswith("Hội nghị hợp tác lao động Việt Nam - Lào lần thứ 10")
    assert (
        data["language"] == "vi"
        and data["published"] is not None
        and data["published"].startswith("2025-02-20")
    )
    assert "1.200 lao động Lào" in data["text"] and "trackVisit" not in data["text"]
    assert "Bản quyền" not in data["text"] and data["extractor"] == "trafilatura"
    assert data["html"].startswith("<p>")


def test_a_page_without_article_text_is_a_parse_failure(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    httpserver.expect_request("/empty.html").respond_with_data(
        "<html><body></body></html>", content_type="text/html"
    )
    config = make_config([{"id": "page", "kind": "page", "url": httpserver.url_for("/empty.html")}])
    assert harness_factory(store, config).poll("page").outcome == "failed:parse"


def test_full_text_fetches_each_new_entry_page_once(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    page = httpserver.url_for("/world/border-trade")
    atom = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:x</id><updated>2025-04-02T07:00:00Z</updated>
<entry><title>Border trade rises</title><id>urn:a</id><link href="{page}?utm_campaign=feed"/>
<updated>2025-04-02T07:00:00Z</updated><summary>Short teaser.</summary></entry></feed>"""
    httpserver.expect_request("/feed.atom").respond_with_data(
        atom, content_type="application/atom+xml"
    )
    httpserver.expect_request("/world/border-trade").respond_with_data(
        fixture_bytes("page_en.html"), content_type="text/html"
    )
    config = make_config(
        [{"id": "ft", "kind": "feed", "url": httpserver.url_for("/feed.atom"), "full_text": True}]
    )
    h = harness_factory(store, config)
    assert h.poll("ft").events["ArticleIngested"] == 1
    data = events(store, "ArticleIngested")[0].data
    assert data["extractor"] == "feedparser+trafilatura" and "Densavanh" in data["text"]
    assert data["published"] == "2025-04-02T07:00:00Z" and data["guid"] == "urn:a"
    assert data["place"] == "SAVANNAKHET"
    pages_fetched = sum(1 for r, _ in httpserver.log if r.path == "/world/border-trade")
    assert h.poll("ft", now=T0 + timedelta(hours=1)).events == {}
    assert (
        sum(1 for r, _ in httpserver.log if r.path == "/world/border-trade") == pages_fetched == 1
    )


def test_an_atom_feed_in_english_keeps_datelines_and_drops_tracking(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    httpserver.expect_request("/sea.atom").respond_with_data(
        fixture_bytes("en_world.atom"), content_type="application/atom+xml"
    )
    config = make_config([{"id": "en", "kind": "feed", "url": httpserver.url_for("/sea.atom")}])
    harness_factory(store, config).poll("en")
    first, second = (e.data for e in events(store, "ArticleIngested"))
    assert (
        first["place"] == "VIENTIANE"
        and first["language"] == "en"
        and first["author"] == "Staff reporter"
    )
    assert second["canonical_url"] == "https://news.example.com/world/lao-students-78"
    assert "<iframe" not in second["html"] and "style=" not in second["html"]


def test_an_undated_untitled_page_gets_no_made_up_date_and_its_first_sentence_as_title(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    """A page with no date in its markup and no <title> nor heading. trafilatura's date
    search read "2019" in a sentence as the article's date (2019-01-01, "from the page's
    metadata") and the feeds showed "(untitled)"."""
    page = (
        "<html><body><article><p>Kim ngạch thương mại giữa hai nước đạt 312,5 triệu USD"
        " trong quý vừa qua. Hai bên cam kết mở rộng hợp tác.</p>"
        "<p>Mã hồ sơ 2019 được dùng cho việc lưu trữ nội bộ của bộ phận thống kê.</p>"
        "</article></body></html>"
    )
    httpserver.expect_request("/so-lieu").respond_with_data(page, content_type="text/html")
    config = make_config([{"id": "page", "kind": "page", "url": httpserver.url_for("/so-lieu")}])
    assert harness_factory(store, config).poll("page").events["ArticleIngested"] == 1
    data = events(store, "ArticleIngested")[0].data
    # Dated when fetched, and said so (README, "Dates"), not 2019-01-01 "from the page".
    assert (data["published"], data["published_from"]) == ("2025-05-01T08:00:00Z", "fetch")
    assert (
        data["title"] == "Kim ngạch thương mại giữa hai nước đạt 312,5 triệu USD trong quý vừa qua"
    )
    # The same page with its date in the markup (and another text: the same would be a
    # sighting of the first) is dated from it.
    dated = page.replace("quý vừa qua", "quý trước").replace(
        "<html>",
        '<html><head><meta property="article:published_time"'
        ' content="2025-03-04T08:00:00+07:00"></head>',
    )
    httpserver.expect_request("/co-ngay").respond_with_data(dated, content_type="text/html")
    config = make_config([{"id": "dated", "kind": "page", "url": httpserver.url_for("/co-ngay")}])
    harness_factory(store, config).poll("dated")
    [later] = [e.data for e in events(store, "ArticleIngested") if e.data["source_id"] == "dated"]
    assert later["published"].startswith("2025-03-04")
