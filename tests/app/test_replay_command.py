"""`newsledger replay` end to end: changing the topic rules re-derives every feed from the
log, without refetching anything, and says per topic what entered and left. Without a
replay, `publish` and `run --once` rebuild a view built with other rules first, so the
feeds are those a replay gives, byte for byte; commands that only show the views say so."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsledger.cli import cli
from store import EventStore
from tests.support.published import published_files

FOLDER = Path(__file__).resolve().parent.parent / "fixtures" / "ingest" / "folder"

BASE_CONFIG = """
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
description = "Training of officials, students and staff."
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


def _run(config: Path, *args: str) -> str:
    result = CliRunner().invoke(
        cli, ["--config", str(config), *args], env={"DATABASE_URL": "", "NEWSLEDGER_CONFIG": ""}
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_replay_rebuilds_byte_identical_feeds_without_refetching(tmp_path: Path) -> None:
    shutil.copytree(FOLDER, tmp_path / "articles")
    config = tmp_path / "newsledger.toml"
    config.write_text(BASE_CONFIG, encoding="utf-8")
    _run(config, "fetch")
    _run(config, "publish")
    before = published_files(tmp_path / "public")
    assert "feeds/all.atom" in before

    out = _run(config, "replay")
    assert "topics:" in out
    assert "  all: 0 entered, 0 left" in out
    assert published_files(tmp_path / "public") == before


def test_a_new_topic_rule_is_applied_to_every_stored_article_by_replay(tmp_path: Path) -> None:
    shutil.copytree(FOLDER, tmp_path / "articles")
    config = tmp_path / "newsledger.toml"
    config.write_text(BASE_CONFIG, encoding="utf-8")
    _run(config, "fetch")
    _run(config, "publish")
    store = EventStore.open(f"sqlite:///{tmp_path}/store.db")
    head = store.head()

    config.write_text(BASE_CONFIG + TRAINING_TOPIC, encoding="utf-8")
    out = _run(config, "replay")
    lines = [line.strip() for line in out.splitlines()]
    [training] = [line for line in lines if line.startswith("training:")]
    entered = int(training.split()[1])
    assert entered >= 1
    assert training.endswith("0 left")
    feed = (tmp_path / "public" / "feeds" / "training.atom").read_text(encoding="utf-8")
    assert feed.count("<entry") == entered
    assert store.head() == head, "replay must not fetch or append anything"
    store.close()


def test_replay_warns_when_a_running_worker_would_keep_its_old_rules(tmp_path: Path) -> None:
    from datetime import timedelta

    shutil.copytree(FOLDER, tmp_path / "articles")
    config = tmp_path / "newsledger.toml"
    config.write_text(BASE_CONFIG, encoding="utf-8")
    _run(config, "fetch")
    result = CliRunner().invoke(
        cli, ["--config", str(config), "replay"], env={"DATABASE_URL": "", "NEWSLEDGER_CONFIG": ""}
    )
    assert result.exit_code == 0 and "Warning" not in result.stderr
    # A worker replica's membership, as a running `newsledger run` holds it.
    store = EventStore.open(f"sqlite:///{tmp_path}/store.db")
    store.leases(owner="vm-7", ttl=timedelta(minutes=1)).acquire("worker:vm-7")
    store.close()
    result = CliRunner().invoke(
        cli, ["--config", str(config), "replay"], env={"DATABASE_URL": "", "NEWSLEDGER_CONFIG": ""}
    )
    assert result.exit_code == 0
    assert "Warning: worker replicas are running (vm-7)" in result.stderr
    assert "SIGHUP" in result.stderr


# -- the rules changed without a replay ------------------------------------------------


def _site(tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    shutil.copytree(FOLDER, root / "articles")
    config = root / "newsledger.toml"
    config.write_text(BASE_CONFIG, encoding="utf-8")
    return config


@pytest.mark.parametrize("command", [("publish",), ("run", "--once")])
def test_feeds_published_after_the_rules_changed_are_those_a_replay_with_them_gives(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    config = _site(tmp_path, "site")
    _run(config, "fetch")
    _run(config, "publish")
    config.write_text(BASE_CONFIG + TRAINING_TOPIC, encoding="utf-8")
    (config.parent / "articles" / "005_lop-dao-tao.txt").write_text(LATER_ARTICLE, "utf-8")
    if command == ("publish",):
        _run(config, "fetch")
    _run(config, *command)
    published = published_files(config.parent / "public")

    # The same log, every view rebuilt from it with the new rules by `replay`.
    fresh = config.parent.parent / "fresh"
    fresh.mkdir()
    shutil.copy(config, fresh / "newsledger.toml")
    shutil.copy(config.parent / "store.db", fresh / "store.db")
    _run(fresh / "newsledger.toml", "replay")
    assert published == published_files(fresh / "public")
    training = published["feeds/training.atom"].decode()
    assert training.count("<entry") >= 2  # articles stored before the rule, and the new one


def test_commands_that_show_views_built_with_other_rules_say_so_and_show_them(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = _site(tmp_path, "site")
    _run(config, "fetch")
    _run(config, "publish")
    config.write_text(BASE_CONFIG + TRAINING_TOPIC, encoding="utf-8")

    status = _run(config, "status")
    assert "Views built with other rules, thresholds or code: topics;" in status
    assert "other: replay" in status
    for command in ("articles", "figures"):  # (the stories view is not made by topic rules)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="store.stale"):
            shown = _run(config, command)
        assert command == "figures" or shown.count("\n") >= 4  # the listing, as it stands
        assert "was built with other rules, thresholds or code" in caplog.text, command
        assert "newsledger replay --projection" in caplog.text
        assert "shown as they stand" in caplog.text

    with caplog.at_level(logging.WARNING, logger="store.projections"):
        _run(config, "publish")
    assert "view 'topics' was built with other rules or code: rebuilding it" in caplog.text
    assert "built with other rules" not in _run(config, "status")


def test_replaying_one_view_does_not_publish_another_built_with_other_rules(
    tmp_path: Path,
) -> None:
    """`replay --projection stories` after a change of topic rules published the topics
    view of the old rules under the new configuration, and said it had succeeded."""
    config = _site(tmp_path, "site")
    _run(config, "fetch")
    _run(config, "publish")
    before = published_files(config.parent / "public")
    config.write_text(BASE_CONFIG + TRAINING_TOPIC, encoding="utf-8")

    result = CliRunner().invoke(
        cli,
        ["--config", str(config), "replay", "--projection", "stories"],
        env={"DATABASE_URL": "", "NEWSLEDGER_CONFIG": ""},
    )

    assert result.exit_code == 1
    assert "stories:" in result.stdout  # the replay itself was done
    assert "feeds not published: view 'topics' was built with other rules" in result.output
    assert published_files(config.parent / "public") == before
    _run(config, "publish")  # rebuilds the topics view, then publishes both
    assert "feeds/training.atom" in published_files(config.parent / "public")


def test_publish_leaves_views_of_other_rules_to_the_running_workers_that_keep_them(
    tmp_path: Path,
) -> None:
    """`publish` run with another file than the running worker's rebuilt the views with
    it: the worker then refused them until reloaded, and its reload rebuilt them back."""
    from datetime import timedelta

    config = _site(tmp_path, "site")
    _run(config, "fetch")
    _run(config, "publish")
    before = published_files(config.parent / "public")
    store = EventStore.open(f"sqlite:///{config.parent}/store.db")
    store.leases(owner="vm-7", ttl=timedelta(minutes=1)).acquire("worker:vm-7")
    store.close()
    config.write_text(BASE_CONFIG + TRAINING_TOPIC, encoding="utf-8")

    result = CliRunner().invoke(
        cli, ["--config", str(config), "publish"], env={"DATABASE_URL": "", "NEWSLEDGER_CONFIG": ""}
    )

    assert result.exit_code == 1
    assert "not rebuilt here: worker replicas are running (vm-7)" in result.output
    assert "reload them (SIGHUP) with this file" in result.output
    assert published_files(config.parent / "public") == before
