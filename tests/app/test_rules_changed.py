"""The topic rules edited between two runs: the feeds published next are those a replay of
the log with the new rules gives, byte for byte, not old articles under the old rules and
new ones under the new (the README's promise: feeds are a function of the log and the
configuration). Commands that only show the views say the views are from other rules."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from newsledger.cli import cli

FOLDER = Path(__file__).resolve().parent.parent / "fixtures" / "ingest" / "folder"

CONFIG = """
[store]
url = "sqlite:///store.db"

[[sources]]
id = "fixtures"
kind = "folder"
path = "articles"

[feeds]
base_url = "http://feeds.test"
"""

TRAINING_TOPIC = """
[[topics]]
id = "training"
title = "Training and education"
  [[topics.rules]]
  id = "training-words"
  kind = "include"
  phrases = ["đào tạo", "học viên", "training", "train"]
"""

#: Written after the rules changed: a new article the new rule takes in.
LATER_ARTICLE = """Lớp đào tạo cán bộ y tế khai giảng tại Viêng Chăn

Ngày 3/5, một lớp đào tạo ngắn hạn dành cho 40 học viên là cán bộ y tế khai giảng tại thủ
đô Viêng Chăn, với sự tham gia của các giảng viên đến từ Hà Nội.

Khóa học kéo dài hai tuần, tập trung vào kỹ năng cấp cứu và quản lý bệnh viện tuyến tỉnh.
"""


def _invoke(config: Path, *args: str) -> Result:
    env = {"DATABASE_URL": "", "NEWSLEDGER_CONFIG": ""}
    return CliRunner().invoke(cli, ["--config", str(config), *args], env=env)


def _run(config: Path, *args: str) -> Result:
    result = _invoke(config, *args)
    assert result.exit_code == 0, result.output
    return result


def _published(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }


def _site(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    shutil.copytree(FOLDER, root / "articles")
    config = root / "newsledger.toml"
    config.write_text(CONFIG, encoding="utf-8")
    return config


@pytest.mark.parametrize("command", [("publish",), ("run", "--once")])
def test_feeds_published_after_the_rules_changed_are_those_a_replay_with_them_gives(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    config = _site(tmp_path, "site")
    _run(config, "fetch")
    _run(config, "publish")
    config.write_text(CONFIG + TRAINING_TOPIC, encoding="utf-8")
    (config.parent / "articles" / "005_lop-dao-tao.txt").write_text(LATER_ARTICLE, "utf-8")
    if command == ("publish",):
        _run(config, "fetch")
    _run(config, *command)
    published = _published(config.parent / "public")

    # The same log, every view rebuilt from it with the new rules by `replay`.
    fresh = config.parent.parent / "fresh"
    fresh.mkdir()
    shutil.copy(config, fresh / "newsledger.toml")
    shutil.copy(config.parent / "store.db", fresh / "store.db")
    _run(fresh / "newsledger.toml", "replay")
    assert published == _published(fresh / "public")
    training = published["feeds/training.atom"].decode()
    assert training.count("<entry") >= 2  # articles stored before the rule, and the new one


def test_commands_that_show_views_built_with_other_rules_say_so_and_show_them(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = _site(tmp_path, "site")
    _run(config, "fetch")
    _run(config, "publish")
    config.write_text(CONFIG + TRAINING_TOPIC, encoding="utf-8")

    status = _run(config, "status").stdout
    assert "Views built with other rules, thresholds or code: topics;" in status
    assert "other: replay" in status
    for command in ("articles", "figures"):  # (the stories view is not made by topic rules)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="store.stale"):
            shown = _run(config, command).stdout
        assert command == "figures" or shown.count("\n") >= 4  # the listing, as it stands
        assert "was built with other rules, thresholds or code" in caplog.text, command
        assert "newsledger replay --projection" in caplog.text
        assert "shown as they stand" in caplog.text

    with caplog.at_level(logging.WARNING, logger="store.projections"):
        _run(config, "publish")
    assert "view 'topics' was built with other rules or code: rebuilding it" in caplog.text
    assert "built with other rules" not in _run(config, "status").stdout
