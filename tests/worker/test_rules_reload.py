"""An operator edits the topic rules of a running worker and sends SIGHUP (Docker: `docker
compose kill -s HUP worker`): the worker's new projection process rebuilds the topics view
from the log, and the feeds it publishes are those `newsledger replay` gives with the new
rules, byte for byte: the articles stored before the edit are judged by the new rules too."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

from tests.support.published import published_files
from tests.worker.conftest import (
    WorkerProcess,
    copy_samples,
    start_worker,
    wait_for,
    worker_env,
    write_config,
)

#: A topic every sample article about investment or trade enters.
TRADE_TOPIC = """
[[topics]]
id = "trade"
title = "Trade and investment"
  [[topics.rules]]
  id = "trade-words"
  kind = "include"
  phrases = ["thương mại", "đầu tư", "trade", "investment"]
"""


def test_reloaded_topic_rules_rebuild_the_views_into_the_feeds_a_replay_publishes(
    tmp_path: Path, processes: list[WorkerProcess]
) -> None:
    copy_samples(tmp_path)
    url = f"sqlite:///{tmp_path}/w.db"
    folder = {"id": "samples", "kind": "folder", "path": "articles", "interval": "1s"}
    extra = '[feeds]\nbase_url = "http://feeds.test"\n'
    config = write_config(tmp_path, store_url=url, sources=[folder], extra=extra)
    worker = start_worker(["run", "--no-serve"], env=worker_env(), cwd=tmp_path)
    processes.append(worker)
    worker.wait_logged("published feeds", timeout=60)

    config.write_text(config.read_text(encoding="utf-8") + TRADE_TOPIC, encoding="utf-8")
    worker.signal(signal.SIGHUP)
    worker.wait_logged("configuration reloaded", timeout=20)
    [rebuilt] = worker.wait_logged("was built with other rules or code: rebuilding", timeout=60)
    assert "'topics'" in rebuilt["message"]
    trade = tmp_path / "public" / "feeds" / "trade.atom"
    wait_for(
        lambda: trade.exists() and trade.read_text(encoding="utf-8").count("<entry") >= 2,
        timeout=60,
    )
    worker.signal(signal.SIGTERM)
    assert worker.wait(15) == 0
    published = published_files(tmp_path / "public")

    # The same log in another folder, every view rebuilt by `replay` with the new rules.
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    shutil.copy(tmp_path / "w.db", fresh / "w.db")
    shutil.copy(config, fresh / "newsledger.toml")
    replay = subprocess.run(
        [sys.executable, "-m", "newsledger.cli", "replay"],
        cwd=fresh,
        env=worker_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert replay.returncode == 0, replay.stderr[-3000:]
    assert published == published_files(fresh / "public")
