"""`docker run` of the image's default command: the worker with SQLite serves the sample
articles, reports healthy, and stops promptly."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import feedparser
import pytest

from tests.docker.conftest import (
    REPO,
    REPORT,
    TIMEOUT,
    Engine,
    http_get,
    logs,
    wait_until,
)
from tests.support.network import free_port

pytestmark = pytest.mark.timeout(TIMEOUT)

SAMPLES = sorted(p for p in (REPO / "examples" / "articles").iterdir() if p.is_file())


@dataclass(frozen=True)
class Worker:
    container: str
    url: str
    started: float


@pytest.fixture(scope="module")
def worker(engine: Engine, image: str) -> Iterator[Worker]:
    """The image run as the README says, on a user-defined network with a published port."""
    engine.docker("network", "create", "newsledger-smoke")
    port = free_port()
    started = time.monotonic()
    container = engine.docker(
        "run", "-d", "--name", "newsledger-worker", "--network", "newsledger-smoke",
        "-p", f"127.0.0.1:{port}:8080", "-v", "newsledger-smoke-data:/data", image,
    )  # fmt: skip
    try:
        yield Worker(container, f"http://127.0.0.1:{port}", started)
    finally:
        REPORT["docker run smoke"] = f"{time.monotonic() - started:.1f} s"
        engine.docker("rm", "-f", "-v", container, check=False)
        engine.docker("volume", "rm", "newsledger-smoke-data", check=False)
        engine.docker("network", "rm", "newsledger-smoke", check=False)


def test_the_worker_answers_healthz_within_60_seconds(engine: Engine, worker: Worker) -> None:
    try:
        status, _ = wait_until(lambda: http_get(f"{worker.url}/healthz"), timeout=60)
    except AssertionError:
        pytest.fail(f"no /healthz after 60 s:\n{logs(engine, worker.container)}")
    assert status == 200
    REPORT["docker run: /healthz after"] = f"{time.monotonic() - worker.started:.1f} s"


def test_the_sample_articles_appear_in_the_all_feed(engine: Engine, worker: Worker) -> None:
    def entries() -> list[object] | None:
        got = http_get(f"{worker.url}/feeds/all.atom")
        if got is None or got[0] != 200:
            return None
        parsed = feedparser.parse(got[1])
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        return parsed.entries if len(parsed.entries) >= len(SAMPLES) else None

    found = wait_until(entries, timeout=60)
    assert len(found) == len(SAMPLES), logs(engine, worker.container)
    # The SQLite store is where the image says, in the volume.
    assert "newsledger.db" in engine.docker("exec", worker.container, "ls", "/data").split()


def test_the_images_health_check_passes_and_docker_reports_healthy(
    engine: Engine, worker: Worker
) -> None:
    test = json.loads(
        engine.docker("inspect", "-f", "{{json .Config.Healthcheck.Test}}", worker.container)
    )
    assert test[0] == "CMD"  # the image's own check, run in the container as Docker would
    assert engine.run([engine.docker_cli, "exec", worker.container, *test[1:]]).returncode == 0

    def health() -> bool:
        state = engine.docker("inspect", "-f", "{{.State.Health.Status}}", worker.container)
        assert state != "unhealthy", logs(engine, worker.container)
        return state == "healthy"

    wait_until(health, timeout=90, every=1)
    REPORT["docker run: healthy after"] = f"{time.monotonic() - worker.started:.1f} s"


def test_docker_stop_ends_the_worker_cleanly_within_10_seconds(
    engine: Engine, worker: Worker
) -> None:
    start = time.monotonic()
    try:
        engine.docker("stop", "-t", "10", worker.container, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("docker stop did not return")
    took = time.monotonic() - start
    code, finished = engine.docker(
        "inspect", "-f", "{{.State.ExitCode}} {{.State.FinishedAt}}", worker.container
    ).split()
    # How long the worker itself took: from the log line of its SIGTERM handler to its exit.
    out = engine.run([engine.docker_cli, "logs", "-t", worker.container]).stderr.splitlines()
    (stopping,) = [line.split()[0] for line in out if '"message": "stopping"' in line]
    itself = (_instant(finished) - _instant(stopping)).total_seconds()
    REPORT["docker stop"] = f"{took:.1f} s (the worker exited {itself:.1f} s after SIGTERM)"
    assert (code, took < 10) == ("0", True), logs(engine, worker.container)


def _instant(rfc3339: str) -> datetime:
    """Docker's nanosecond timestamps, to the microsecond."""
    return datetime.fromisoformat(rfc3339[:26])
