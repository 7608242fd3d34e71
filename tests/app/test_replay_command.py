"""`newsledger replay` end to end: changing the topic rules re-derives every feed from the
log, without refetching anything, and says per topic what entered and left."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from newsledger.cli import cli
from store import EventStore

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


def _run(config: Path, *args: str) -> str:
    result = CliRunner().invoke(
        cli, ["--config", str(config), *args], env={"DATABASE_URL": "", "NEWSLEDGER_CONFIG": ""}
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def _published(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }


def test_replay_rebuilds_byte_identical_feeds_without_refetching(tmp_path: Path) -> None:
    shutil.copytree(FOLDER, tmp_path / "articles")
    config = tmp_path / "newsledger.toml"
    config.write_text(BASE_CONFIG, encoding="utf-8")
    _run(config, "fetch")
    _run(config, "publish")
    before = _published(tmp_path / "public")
    assert "feeds/all.atom" in before

    out = _run(config, "replay")
    assert "topics:" in out
    assert "  all: 0 entered, 0 left" in out
    assert _published(tmp_path / "public") == before


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
