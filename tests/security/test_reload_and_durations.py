"""Finding 6: non-finite or absurd durations and timeouts are refused everywhere, a reload
that fails keeps the old schedule running, and a scheduler that dies makes `/healthz`
fail and the process exit non-zero instead of hanging."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import pytest

from newsledger.app import App
from newsledger.metrics import Metrics
from newsledger.worker import lifecycle
from newsledger.worker.scheduler import Worker
from newsledger.worker.settings import parse_worker_settings
from tests.security.conftest import healthz, newsledger, start_metrics_worker
from tests.worker.conftest import (
    FeedServer,
    news_item,
    now_utc,
    wait_for,
)

SOURCE = '[[sources]]\nid = "a"\nkind = "feed"\nurl = "http://x.example/"\ninterval = '
BAD = {
    "interval = inf": (SOURCE + "inf\n", "interval"),
    "interval = nan": (SOURCE + "nan\n", "interval"),
    "interval = 1e308": (SOURCE + "1e308\n", "interval"),
    'interval = "99999999999d"': (SOURCE + '"99999999999d"\n', "interval"),
    "[fetch] timeout = nan": ("[fetch]\ntimeout = nan\n", "timeout"),
    "[fetch] max_bytes = 1e400MB": ('[fetch]\nmax_bytes = "1e400MB"\n', "max_bytes"),
    "[worker] jitter = inf": ("[worker]\njitter = inf\n", "jitter"),
    "[worker] lease_ttl = -inf": ("[worker]\nlease_ttl = -inf\n", "lease_ttl"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_an_impossible_duration_is_refused_in_one_line(case: str, tmp_path: Path) -> None:
    text, field = BAD[case]
    config = tmp_path / "newsledger.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{tmp_path}/n.db"\n\n{text}', encoding="utf-8")
    ran = newsledger("run", "--once", config=config, timeout=60)
    assert ran.code == 1 and "Traceback" not in ran.err, ran.err[-2000:]
    [line] = ran.err.strip().splitlines()
    assert line.startswith("Error: ") and field in line, line


def test_a_reload_with_interval_inf_keeps_the_old_schedule_and_sigterm_still_works(
    tmp_path: Path,
) -> None:
    feeds = FeedServer()
    feeds.publish("vn", [news_item("vn", n, now=now_utc()) for n in range(2)])
    config = tmp_path / "newsledger.toml"
    good = (
        f'[store]\nurl = "sqlite:///{tmp_path}/n.db"\n\n'
        f'[[sources]]\nid = "vn"\nkind = "feed"\nurl = "{feeds.url("vn")}"\ninterval = "1s"\n\n'
        '[fetch]\nhost_gap = "0s"\n\n[worker]\njitter = "0s"\nstagger = "0s"\n'
    )
    config.write_text(good, encoding="utf-8")
    worker, port = start_metrics_worker(config, tmp_path)
    try:
        worker.wait_logged("worker started", timeout=60)
        wait_for(lambda: feeds.requests.get("vn", 0) >= 2, timeout=30)
        config.write_text(good.replace('interval = "1s"', "interval = inf"), encoding="utf-8")
        worker.signal(signal.SIGHUP)
        [failed] = worker.wait_logged("configuration reload failed", timeout=30)
        assert "interval" in failed["error"]
        before = feeds.requests.get("vn", 0)
        time.sleep(4)
        assert feeds.requests.get("vn", 0) >= before + 2  # the old schedule still polls
        assert healthz(port)[0] == 200
        worker.signal(signal.SIGTERM)
        assert worker.wait(15) == 0
        assert "Traceback" not in worker.log_text()
    finally:
        worker.stop()
        feeds.close()


def test_a_dead_scheduler_fails_the_health_check_and_ends_the_process_non_zero(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("Hội đàm Việt – Lào\n\nNội dung.\n", encoding="utf-8")
    config = tmp_path / "newsledger.toml"
    config.write_text(
        f'[store]\nurl = "sqlite:///{tmp_path}/n.db"\n\n'
        f'[[sources]]\nid = "f"\nkind = "folder"\npath = "{folder}"\ninterval = "1s"\n',
        encoding="utf-8",
    )
    app = App(str(config))
    settings = parse_worker_settings(app.settings.raw, file=app.settings.name)
    worker = Worker(app, settings, metrics=Metrics())
    worker.start()
    try:
        assert lifecycle.health(worker)[0]
        worker.scheduler.shutdown(wait=False)  # the scheduler dies under the process
        code = lifecycle.supervise(worker, threading.Event(), threading.Event())
        assert code == 1
        healthy, details = lifecycle.health(worker)
        assert not healthy and details["scheduler"] == "stopped"
    finally:
        worker.stop()
        app.close()
