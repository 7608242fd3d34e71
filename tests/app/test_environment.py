"""Environment overrides a container sets: NEWSLEDGER_BASE_URL gives the feeds' public
address (compose publishes any port; the configuration file cannot know it)."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from newsledger.cli import cli
from newsledger.config import ConfigError, load_settings

CONFIG = """
[store]
url = "sqlite:///store.db"

[[sources]]
id = "local"
kind = "folder"
path = "articles"

[feeds]
base_url = "http://from-the-file.test"
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "talks.txt").write_text(
        "Vietnam and Laos hold talks in Vientiane\n\nThe foreign ministers of Vietnam and "
        "Laos held talks in Vientiane on Monday.\n",
        encoding="utf-8",
    )
    path = tmp_path / "newsledger.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def test_newsledger_base_url_replaces_the_files_base_url_in_every_feed_link(
    config: Path,
) -> None:
    env = {"NEWSLEDGER_BASE_URL": "https://news.example.org:8443"}
    runner = CliRunner()
    for command in (["fetch"], ["publish"]):
        result = runner.invoke(cli, ["--config", str(config), *command], env=env)
        assert result.exit_code == 0, result.output
    feed = feedparser.parse((config.parent / "public" / "feeds" / "all.atom").read_bytes())
    links = [link.href for link in feed.feed.links] + [
        link.href for entry in feed.entries for link in entry.links
    ]
    assert len(feed.entries) == 1
    assert links and all(h.startswith("https://news.example.org:8443/") for h in links), links


def test_without_newsledger_base_url_the_files_base_url_holds(config: Path) -> None:
    raw = load_settings(str(config), environ={}).raw
    assert raw["feeds"]["base_url"] == "http://from-the-file.test"


def test_a_newsledger_base_url_that_is_not_http_is_refused_naming_the_variable(
    config: Path,
) -> None:
    with pytest.raises(ConfigError, match="NEWSLEDGER_BASE_URL must be an absolute http"):
        load_settings(str(config), environ={"NEWSLEDGER_BASE_URL": "file:///srv/feeds"})
    # A secret mounted as a file keeps its final line break: every link held "&#10;".
    with pytest.raises(ConfigError, match="NEWSLEDGER_BASE_URL must be an absolute http"):
        load_settings(str(config), environ={"NEWSLEDGER_BASE_URL": "https://n.example.org\n"})
    # Named as the variable, not as the file's [feeds] base_url it replaces.
    with pytest.raises(ConfigError, match="NEWSLEDGER_BASE_URL must be an absolute http"):
        load_settings(str(config), environ={"NEWSLEDGER_BASE_URL": "https://n.example.org/?x=1"})
