"""Feeds configuration: shipped topics, user overrides, and errors that name file, topic, field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from feeds.config import parse_config
from feeds.errors import ConfigError


def _parse(raw: dict[str, Any], tmp_path: Path) -> Any:
    return parse_config(raw, file="nl.toml", base_dir=tmp_path)


def test_defaults_ship_the_three_topics_and_derive_the_base_url(tmp_path: Path) -> None:
    config = _parse({"serve": {"port": 9000}}, tmp_path)
    assert [t.id for t in config.topics] == ["all", "bilateral-meetings", "economic-figures"]
    assert config.base_url == "http://127.0.0.1:9000"
    assert config.output_dir == tmp_path / "public"
    assert config.entries_per_feed == 50


def test_inline_topics_replace_by_id_add_new_ones_and_can_remove(tmp_path: Path) -> None:
    raw = {
        "topics": [
            {
                "id": "economic-figures",
                "title": "Số liệu",
                "rules": [{"id": "money", "figures": ["money"], "required": True}],
            },
            {"id": "energy", "title": "Energy", "rules": [{"id": "e", "phrases": ["thủy điện"]}]},
            {"id": "all", "enabled": False},
        ]
    }
    config = _parse(raw, tmp_path)
    assert [t.id for t in config.topics] == ["bilateral-meetings", "economic-figures", "energy"]
    assert config.topic("economic-figures").title == "Số liệu"


def test_a_topics_file_replaces_the_shipped_topics(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text(
        '[[topics]]\nid = "laos"\n[[topics.rules]]\nid = "la"\nphrases = ["Lào"]\n',
        encoding="utf-8",
    )
    config = _parse({"feeds": {"topics_file": "mine.toml"}}, tmp_path)
    assert [t.id for t in config.topics] == ["laos"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            {"feeds": {"entries_per_feed": 0}},
            "nl.toml: [feeds] entries_per_feed must be an integer",
        ),
        ({"feeds": {"base_url": "ftp://x"}}, "nl.toml: [feeds] base_url must be an absolute"),
        # Links would read "http:///feeds/x.atom", or carry the query into every path.
        ({"feeds": {"base_url": "http://"}}, "nl.toml: [feeds] base_url must be an absolute"),
        ({"feeds": {"base_url": "http://x/?a=1"}}, "nl.toml: [feeds] base_url must be"),
        ({"feeds": {"base_url": "http://x:8o8o"}}, "nl.toml: [feeds] base_url must be"),
        ({"serve": {"host": "http://0.0.0.0"}}, "nl.toml: [serve] host must be an IP address"),
        ({"serve": {"host": "feeds example"}}, "nl.toml: [serve] host must be an IP address"),
        ({"serve": {"port": 0}}, "nl.toml: [serve] port 0 (any free port) needs [feeds] base_url"),
        # A value read from a file or a secret keeps its line break: every link held it.
        ({"feeds": {"base_url": "https://n.example.org\n"}}, "nl.toml: [feeds] base_url must"),
        ({"feeds": {"base_url": "http://n.example.org/a b"}}, "nl.toml: [feeds] base_url must"),
        ({"feeds": {"base_url": "http://\\n.example.org"}}, "nl.toml: [feeds] base_url must"),
        ({"feeds": {"base_url": "http://n.example.org:0"}}, "nl.toml: [feeds] base_url must"),
        ({"serve": {"host": "999.999.999.999"}}, "nl.toml: [serve] host must be an IP address"),
        ({"serve": {"host": "0"}}, "nl.toml: [serve] host must be an IP address"),
        ({"feeds": {"colour": "red"}}, "nl.toml: [feeds] has unknown key 'colour'"),
        ({"serve": {"port": "80"}}, "nl.toml: [serve] port must be an integer"),
        ({"topics": [{"id": "Bad Id"}]}, "nl.toml: topics[0]: field 'id' must be lower-case"),
        (
            {"topics": [{"id": "x", "rules": []}]},
            "nl.toml: topic 'x': needs at least one include rule",
        ),
        (
            {"topics": [{"id": "x", "rules": [{"id": "r", "patterns": ["(unclosed"]}]}]},
            "nl.toml: topic 'x' rule 'r': pattern '(unclosed' is invalid",
        ),
        (
            {"topics": [{"id": "x", "rules": [{"id": "r", "phrases": ["a"], "fields": ["body"]}]}]},
            "nl.toml: topic 'x' rule 'r': field 'fields' has 'body'",
        ),
        (
            {"topics": [{"id": "x", "rules": [{"id": "r", "figures": ["dates"]}]}]},
            "nl.toml: topic 'x' rule 'r': field 'figures' has 'dates'",
        ),
        (
            {
                "topics": [
                    {"id": "x", "min_score": "high", "rules": [{"id": "r", "phrases": ["a"]}]}
                ]
            },
            "nl.toml: topic 'x': field 'min_score' must be a number",
        ),
        ({"feeds": {"topics_file": "missing.toml"}}, "nl.toml: [feeds] topics_file"),
    ],
)
def test_invalid_settings_are_reported_with_file_topic_and_field(
    raw: dict[str, Any], message: str, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError) as caught:
        _parse(raw, tmp_path)
    assert str(caught.value).startswith(message), str(caught.value)


def test_source_display_names_come_from_the_sources_table(tmp_path: Path) -> None:
    raw = {
        "sources": [
            {"id": "vnexpress", "kind": "feed", "url": "https://e.vn/rss", "name": " VnExpress "},
            {"id": "notes", "kind": "folder", "path": "notes"},
        ]
    }
    config = parse_config(raw, file="n.toml", base_dir=tmp_path)
    assert config.source_names == {"vnexpress": "VnExpress"}
    raw["sources"][0]["name"] = ""
    with pytest.raises(ConfigError, match=r"n\.toml: source 'vnexpress': name must be"):
        parse_config(raw, file="n.toml", base_dir=tmp_path)


def test_an_unset_base_url_follows_the_address_served(tmp_path: Path) -> None:
    config = _parse({"serve": {"port": 8080}}, tmp_path)
    assert config.base_url == "http://127.0.0.1:8080"
    assert config.served_at(None, 9000).base_url == "http://127.0.0.1:9000"
    assert config.served_at("0.0.0.0", 9000).base_url == "http://localhost:9000"
    assert config.served_at("::1", 9000).base_url == "http://[::1]:9000"
    assert config.served_at("10.0.0.5", None).base_url == "http://10.0.0.5:8080"


def test_a_base_url_that_is_set_stays_whatever_the_address(tmp_path: Path) -> None:
    config = _parse({"feeds": {"base_url": "https://news.example.org/"}}, tmp_path)
    served = config.served_at("0.0.0.0", 9000)
    assert (served.base_url, served.host, served.port) == (
        "https://news.example.org",
        "0.0.0.0",
        9000,
    )


NARROWED = {"id": "lao-figures", "title": "Lao figures", "countries": ["LA"]}


@pytest.mark.parametrize(
    ("topics", "message"),
    [
        ([{**NARROWED, "base": "economic-figure"}], "its base 'economic-figure' is not a topic"),
        (
            [
                {**NARROWED, "base": "economic-figures"},
                {"id": "economic-figures", "enabled": False},
            ],
            "its base 'economic-figures' is disabled",
        ),
        (
            [{**NARROWED, "base": "economic-figures", "countries": ["XX"]}],
            "'XX' is not an ISO 3166 country code",
        ),
    ],
)
def test_a_topic_narrowing_a_missing_or_disabled_topic_or_no_country_is_refused(
    topics: list[dict[str, Any]], message: str, tmp_path: Path
) -> None:
    """Accepted before, each gave a feed that stayed empty with no word why."""
    with pytest.raises(ConfigError) as caught:
        _parse({"topics": topics}, tmp_path)
    assert str(caught.value) == f"nl.toml: topic 'lao-figures': {message}"
    assert _parse({"topics": [{**NARROWED, "base": "economic-figures"}]}, tmp_path).topics


def test_an_output_dir_that_is_a_file_is_refused_and_a_set_base_url_allows_port_0(
    tmp_path: Path,
) -> None:
    (tmp_path / "public").write_text("not a folder", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"output_dir .*public: .*public is a file"):
        _parse({}, tmp_path)
    with pytest.raises(ConfigError, match=r"output_dir .*public/site: .*public is a file"):
        _parse({"feeds": {"output_dir": "public/site"}}, tmp_path)
    config = _parse(
        {"feeds": {"output_dir": "site", "base_url": "https://n.example/"}, "serve": {"port": 0}},
        tmp_path,
    )
    assert (config.port, config.base_url) == (0, "https://n.example")


def test_host_names_and_addresses_a_server_can_listen_on_are_taken(tmp_path: Path) -> None:
    for host in ("0.0.0.0", "::", "::1", "localhost", "feeds.example.org", "web-1"):
        assert _parse({"serve": {"host": host}}, tmp_path).host == host


def test_serving_on_any_free_port_or_an_unusable_host_is_refused_without_a_base_url(
    tmp_path: Path,
) -> None:
    """`serve --port 0` wrote links to port 0 into every file; `--host` went unchecked."""
    config = _parse({}, tmp_path)
    with pytest.raises(ConfigError, match=r"--port 0 \(any free port\) needs \[feeds\] base_url"):
        config.served_at(None, 0)
    with pytest.raises(ConfigError, match="--host must be an IP address or a host name"):
        config.served_at("http://0.0.0.0", 8080)
    fixed = _parse({"feeds": {"base_url": "https://n.example.org"}}, tmp_path)
    assert fixed.served_at(None, 0).base_url == "https://n.example.org"
    assert config.served_at("fe80::1%eth0", 80).base_url == "http://[fe80::1%25eth0]:80"
