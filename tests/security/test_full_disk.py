"""Finding 9: a disk that fills up under the database mid-ingest is reported truthfully:
the count of what was committed and a non-zero exit; one line errors; a degraded /healthz
with the reason; one log line per change of state, not a traceback every few seconds."""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

from tests.security.conftest import healthz, newsledger, start_metrics_worker
from tests.security.disk import fill, small_disk
from tests.worker.conftest import wait_for

ARTICLES = 1200


def _articles(folder: Path) -> Path:
    folder.mkdir()
    rng = random.Random(9)
    for n in range(ARTICLES):
        words = " ".join(f"từ{rng.randrange(100_000)}" for _ in range(100))
        text = f"Bài số {n} về hợp tác Việt – Lào\n\n{words}\n"
        (folder / f"a{n:04}.txt").write_text(text, encoding="utf-8")
    return folder


def _config(tmp_path: Path, disk: Path, *, interval: str = "30m") -> Path:
    config = tmp_path / "newsledger.toml"
    config.write_text(
        f'[store]\nurl = "sqlite:///{disk}/news.db"\n\n'
        f'[[sources]]\nid = "folder"\nkind = "folder"\npath = "{tmp_path / "articles"}"\n'
        f'interval = "{interval}"\n\n'
        f'[feeds]\noutput_dir = "{tmp_path / "public"}"\n\n'
        '[worker]\njitter = "0s"\nstagger = "0s"\nstore_retry_cap = "2s"\n',
        encoding="utf-8",
    )
    return config


def _one_line_error(ran: Any) -> str:
    assert ran.code == 1, ran
    assert "Traceback" not in ran.err, ran.err[-3000:]
    lines = ran.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), ran.err[-3000:]
    return str(lines[0])


def test_fetch_onto_a_disk_that_fills_up_reports_the_true_count_and_fails(tmp_path: Path) -> None:
    _articles(tmp_path / "articles")
    with small_disk(tmp_path / "disk", size="8m") as disk:
        config = _config(tmp_path, disk)
        filler = fill(disk, leave=2_200_000)  # room for some of the articles, not all
        fetched = newsledger("fetch", config=config)
        error = _one_line_error(fetched)
        assert "no space left" in error
        verified = newsledger("verify", config=config)
        assert verified.code == 0, verified
        committed = int(verified.out.split()[1])  # "OK: N events, hash chain intact"
        assert 0 < committed < ARTICLES
        assert error.endswith(f"; {committed} events were appended before it")
        # Every other command that needs to write says so in one line, or works.
        for command in ("publish", "status"):
            ran = newsledger(command, config=config)
            if ran.code != 0:
                assert "no space left" in _one_line_error(ran)
        filler.unlink()  # space again: the next fetch appends the rest, nothing twice
        again = newsledger("fetch", config=config)
        assert again.code == 0, again.err[-3000:]
        # Every article once, plus the SourceFetched of the poll that succeeded.
        assert newsledger("verify", config=config).out.startswith(f"OK: {ARTICLES + 1} events")


def test_a_worker_on_a_full_disk_is_degraded_with_the_reason_and_logs_each_change_once(
    tmp_path: Path,
) -> None:
    _articles(tmp_path / "articles")
    with small_disk(tmp_path / "disk", size="8m") as disk:
        config = _config(tmp_path, disk, interval="1s")
        newsledger("db", "upgrade", config=config)
        filler = fill(disk, leave=200_000)
        worker, port = start_metrics_worker(config, tmp_path)
        try:
            worker.wait_logged("database unavailable", timeout=60)
            status, body = wait_for(
                lambda: (h := healthz(port))[1].get("status") == "degraded" and h, timeout=30
            )
            assert status == 503
            assert "no space left" in body["reason"]
            # Several polls and publishes fail meanwhile (interval 1 s, retries up to 2 s).
            time.sleep(8)
            assert len(worker.logged("database unavailable")) <= 2  # poll side + publish side
            assert "Traceback" not in worker.log_text()
            filler.unlink()
            worker.wait_logged("database reachable again", timeout=60)
            wait_for(lambda: healthz(port)[0] == 200, timeout=30)
            assert len(worker.logged("database reachable again")) == 1
            assert "Traceback" not in worker.log_text()
        finally:
            worker.stop()


def test_a_worker_that_cannot_publish_says_degraded_with_the_error(tmp_path: Path) -> None:
    """/healthz said "ok", with only a `publish_error` field, while no feed moved."""
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "a.txt").write_text("Tin\n\nHai nước hội đàm.\n", "utf-8")
    config = _config(tmp_path, tmp_path, interval="1s")
    # A file where the feeds' folder inside the output folder should be: the configuration
    # is fine (`check` refuses an output folder that is, or sits under, a file), and every
    # publish fails.
    (tmp_path / "public").mkdir(exist_ok=True)
    (tmp_path / "public" / "feeds").write_text("a file where the feeds' folder should be")
    worker, port = start_metrics_worker(config, tmp_path)
    try:
        worker.wait_logged("publishing failed", timeout=60)
        status, body = wait_for(
            lambda: (h := healthz(port))[1].get("status") == "degraded" and h, timeout=30
        )
        assert status == 200 and "feeds" in body["publish_error"], body
    finally:
        worker.stop()
