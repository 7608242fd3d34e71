"""`newsledger fetch` and `newsledger sources` end to end, through the real CLI and config file."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from pytest_httpserver import HTTPServer

from newsledger.cli import cli
from store import EventStore
from tests.ingest.conftest import FIXTURES, fixture_bytes


def write_config(tmp_path: Path, store_url: str, feed_url: str) -> Path:
    shutil.copytree(FIXTURES / "folder", tmp_path / "articles")
    path = tmp_path / "newsledger.toml"
    path.write_text(
        f"""
[store]
url = "{store_url}"

[[sources]]
id = "samples"
kind = "folder"
path = "articles"
interval = "15m"

[[sources]]
id = "vn-politics"
kind = "feed"
url = "{feed_url}"
interval = "30m"
language = "vi"

[[sources]]
id = "broken"
kind = "feed"
url = "{feed_url.replace("/rss", "/missing")}"
interval = "1h"

[fetch]
host_gap = "0s"
""",
        encoding="utf-8",
    )
    return path


def test_fetch_polls_every_source_and_prints_what_it_appended(
    store_url: str, tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/rss").respond_with_data(fixture_bytes("vi_thoisu.rss"))
    httpserver.expect_request("/missing").respond_with_data("no", status=404)
    config = write_config(tmp_path, store_url, httpserver.url_for("/rss"))
    runner = CliRunner()
    result = runner.invoke(cli, ["--config", str(config), "fetch"])
    assert result.exit_code == 0, result.output
    lines = {
        line.split("│")[1].strip(): line
        for line in result.output.splitlines()
        if line.count("│") > 3
    }
    assert "ok" in lines["samples"] and " 4 " in lines["samples"]
    assert "ok" in lines["vn-politics"] and " 3 " in lines["vn-politics"]
    assert "failed:http_status" in lines["broken"] and "404" in lines["broken"]
    assert "1 of 3 sources failed" in result.output
    again = runner.invoke(cli, ["--config", str(config), "fetch", "--source", "vn-politics"])
    assert again.exit_code == 0 and "0 events appended" in again.output
    store = EventStore.open(store_url)
    try:
        assert sum(1 for e in store.read_all() if e.type == "ArticleIngested") == 7
    finally:
        store.close()

    table = runner.invoke(cli, ["--config", str(config), "sources"])
    assert table.exit_code == 0, table.output
    for word in ("samples", "vn-politics", "broken", "failing", "http_status", "never"):
        assert word in table.output
    rows = {
        row["id"]: row
        for row in map(
            json.loads,
            runner.invoke(cli, ["--config", str(config), "sources", "--json"]).output.splitlines(),
        )
    }
    assert rows["samples"]["articles"] == 4 and rows["vn-politics"]["articles"] == 3
    assert rows["broken"]["failures"] == 1 and rows["broken"]["last_success"] is None
    assert rows["broken"]["last_error"].startswith("http_status: HTTP 404")
    assert rows["vn-politics"]["next_poll"] is not None
    # A failed source is polled again when its back-off ends, well before its interval
    # (1 h), as the worker retries it: `sources` says so.
    failed_at = datetime.fromisoformat(rows["broken"]["last_error_at"])
    retry = datetime.fromisoformat(rows["broken"]["next_poll"])
    assert retry - failed_at < timedelta(minutes=30)
    # Pointed at another URL, the source starts afresh: the old URL's back-off is not its
    # own, nor is its last attempt. The new URL was never polled, so it is due now (as a
    # restarted worker polls it at once), not an interval after the old URL's failure.
    config.write_text(config.read_text("utf-8").replace("/missing", "/elsewhere"), "utf-8")
    moved = runner.invoke(cli, ["--config", str(config), "sources", "--json"]).output
    [row] = [r for r in map(json.loads, moved.splitlines()) if r["id"] == "broken"]
    assert datetime.fromisoformat(row["next_poll"]) - failed_at < timedelta(minutes=5)
    assert row["url"].endswith("/elsewhere")


def test_fetch_of_an_unknown_source_is_a_one_line_error(tmp_path: Path, sqlite_url: str) -> None:
    config = write_config(tmp_path, sqlite_url, "http://127.0.0.1:9/rss")
    result = CliRunner().invoke(cli, ["--config", str(config), "fetch", "--source", "nope"])
    assert result.exit_code == 1
    assert "unknown source 'nope'" in result.output and "Traceback" not in result.output


def test_fetch_exits_1_when_every_source_polled_failed(
    tmp_path: Path, sqlite_url: str, httpserver: HTTPServer
) -> None:
    # One source failing is a fact for `status` (exit 0, above); every one failing is the
    # network or the configuration, which a cron job must hear about.
    httpserver.expect_request("/missing").respond_with_data("no", status=404)
    config = write_config(tmp_path, sqlite_url, httpserver.url_for("/rss"))
    runner = CliRunner()
    result = runner.invoke(cli, ["--config", str(config), "fetch", "--source", "broken"])
    assert result.exit_code == 1, result.output
    assert "failed:http_status" in result.output
    assert result.output.rstrip().endswith("Error: every source polled failed (1 of 1)")
    both = ["fetch", "--source", "broken", "--source", "samples"]
    assert runner.invoke(cli, ["--config", str(config), *both]).exit_code == 0


def test_a_bad_configuration_is_rejected_naming_file_source_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        '[[sources]]\nid = "x"\nkind = "feed"\ninterval = "often"\nurl = "https://e.org/"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["--config", str(path), "sources"])
    assert result.exit_code == 1
    assert f"{path}: source 'x': field 'interval'" in result.output


def test_a_feed_whose_polls_brought_nothing_yet_is_ok_not_never_polled(
    tmp_path: Path, sqlite_url: str, httpserver: HTTPServer
) -> None:
    """Such a poll appends no fact: `sources` and `status` said "never polled" for ever,
    and `run --once` took the source as never polled too (its note says otherwise)."""
    empty = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
    httpserver.expect_request("/rss").respond_with_data(empty)
    config = write_config(tmp_path, sqlite_url, httpserver.url_for("/rss"))
    runner = CliRunner()
    fetched = runner.invoke(cli, ["--config", str(config), "fetch", "--source", "vn-politics"])
    assert fetched.exit_code == 0, fetched.output
    listed = runner.invoke(cli, ["--config", str(config), "sources", "--json"]).output
    [row] = [r for r in map(json.loads, listed.splitlines()) if r["id"] == "vn-politics"]
    assert row["status"] == "ok" and row["last_success"] is not None, row
    assert datetime.fromisoformat(row["next_poll"]) - datetime.fromisoformat(
        row["last_success"]
    ) == timedelta(minutes=30)
    status = json.loads(runner.invoke(cli, ["--config", str(config), "status", "--json"]).output)
    [health] = [s for s in status["sources"] if s["id"] == "vn-politics"]
    assert health["health"] == "ok" and health["last_success"] == row["last_success"]
    store = EventStore.open(sqlite_url)
    assert store.head() == 0  # still no fact: nothing happened
    store.close()
