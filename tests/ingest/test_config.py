"""The [[sources]] and [fetch] sections: valid shapes load, bad ones name file, source and field."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from ingest.config import ConfigError, parse_config, parse_duration

EXAMPLE = """
[store]
url = "sqlite:///newsledger.db"

[[sources]]
id = "samples"
kind = "folder"
path = "examples/articles"
interval = "15m"

[[sources]]
id = "vn-politics"
kind = "feed"
url = "https://example.org/rss/politics.rss"
interval = "30m"
language = "vi"

[[sources]]
id = "one-page"
kind = "page"
url = "https://example.org/news/1.html"
interval = "2h"
enabled = false

[fetch]
timeout = "20s"
max_bytes = "5MB"
concurrency = 4
host_gap = "500ms"
"""


def test_the_documented_example_loads(tmp_path: Path) -> None:
    config = parse_config(tomllib.loads(EXAMPLE), file="newsledger.toml", base_dir=tmp_path)
    folder, feed, page = config.sources
    assert folder.path == (tmp_path / "examples/articles").resolve() and folder.interval == 900
    assert feed.url == "https://example.org/rss/politics.rss" and feed.language == "vi"
    assert feed.interval == 1800 and page.interval == 7200 and page.enabled is False
    assert config.fetch.timeout == 20 and config.fetch.max_bytes == 5_000_000
    assert config.fetch.concurrency == 4 and config.fetch.host_gap == 0.5


def test_no_sources_is_an_empty_configuration(tmp_path: Path) -> None:
    assert parse_config({}, file="x.toml", base_dir=tmp_path).sources == ()


@pytest.mark.parametrize(
    ("source", "field", "says"),
    [
        ({"id": "a", "kind": "podcast", "url": "https://e.org/"}, "kind", "feed, page, folder"),
        ({"id": "a", "kind": "feed"}, "url", "needs a url"),
        ({"id": "a", "kind": "feed", "url": "ftp://e.org/x"}, "url", "http"),
        ({"id": "a", "kind": "folder"}, "path", "needs a path"),
        (
            {"id": "a", "kind": "feed", "url": "https://e.org/", "interval": "soon"},
            "interval",
            "15m",
        ),
        ({"id": "a", "kind": "feed", "url": "https://e.org/", "interval": "0s"}, "interval", "1s"),
        ({"id": "a", "kind": "feed", "url": "https://e.org/", "enabled": "yes"}, "enabled", "true"),
        ({"id": "a", "kind": "feed", "url": "https://e.org/", "language": 7}, "language", "vi"),
        (
            {"id": "a", "kind": "page", "url": "https://e.org/", "full_text": True},
            "full_text",
            "feed",
        ),
        ({"id": "a", "kind": "feed", "url": "https://e.org/", "colour": 1}, "colour", "unknown"),
    ],
)
def test_a_bad_source_names_file_source_and_field(
    tmp_path: Path, source: dict[str, Any], field: str, says: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config({"sources": [source]}, file="my.toml", base_dir=tmp_path)
    message = str(caught.value)
    assert message.startswith("my.toml: source 'a': field ")
    assert repr(field) in message and says in message


def test_duplicate_source_ids_are_rejected(tmp_path: Path) -> None:
    one = {"id": "dup", "kind": "feed", "url": "https://e.org/a"}
    with pytest.raises(ConfigError, match=r"my.toml: source 'dup': field 'id': duplicate"):
        parse_config({"sources": [one, dict(one)]}, file="my.toml", base_dir=tmp_path)


def test_a_missing_or_malformed_id_names_the_entry(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"my.toml: source #2: field 'id'"):
        parse_config(
            {"sources": [{"id": "ok", "kind": "feed", "url": "https://e.org/"}, {"kind": "feed"}]},
            file="my.toml",
            base_dir=tmp_path,
        )


def test_bad_fetch_settings_name_the_field(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[fetch\] field 'max_bytes'"):
        parse_config({"fetch": {"max_bytes": "lots"}}, file="f.toml", base_dir=tmp_path)
    with pytest.raises(ConfigError, match=r"\[fetch\] field 'speed': unknown"):
        parse_config({"fetch": {"speed": 1}}, file="f.toml", base_dir=tmp_path)


def test_durations_accept_compound_forms() -> None:
    assert parse_duration("1h30m") == 5400
    assert parse_duration("30s") == 30
    assert parse_duration("1d") == 86400
    with pytest.raises(ValueError):
        parse_duration("15 minutes")


def test_a_bare_number_is_seconds_as_the_readme_says() -> None:
    assert parse_duration(900) == parse_duration("15m") == 900
    assert parse_duration(2.5) == 2.5
    with pytest.raises(ValueError, match="at most 366d"):
        parse_duration(367 * 86400)
