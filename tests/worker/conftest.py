"""Helpers for the worker's tests: configurations, real worker processes, a feed server."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.support.feedserver import FeedItem, FeedServer, news_item
from tests.support.network import TcpProxy, free_port, through_proxy

__all__ = ["FeedItem", "FeedServer", "TcpProxy", "free_port", "news_item", "through_proxy"]

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "examples" / "articles"


def wait_for(predicate: Callable[[], Any], *, timeout: float, every: float = 0.1) -> Any:
    """Poll `predicate` until it returns something truthy; fail the test after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting after {timeout}s")
        time.sleep(every)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)


def write_config(
    directory: Path,
    *,
    store_url: str,
    sources: list[dict[str, Any]],
    worker: dict[str, Any] | None = None,
    extra: str = "",
) -> Path:
    """A newsledger.toml in `directory`; feeds are published to `directory/public`."""
    lines = ["[store]", f"url = {toml_value(store_url)}", ""]
    for source in sources:
        lines.append("[[sources]]")
        lines += [f"{k} = {toml_value(v)}" for k, v in source.items()]
        lines.append("")
    lines += ["[fetch]", 'host_gap = "0s"', 'backoff_base = "1s"', ""]
    lines += ["[worker]"]
    settings = {"jitter": "0s", "stagger": "0.2s", "lease_ttl": "3s", **(worker or {})}
    lines += [f"{k} = {toml_value(v)}" for k, v in settings.items()]
    lines += ["", extra]
    path = directory / "newsledger.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def offline_shipped_config(destination: Path) -> Path:
    """The shipped newsledger.toml with every feed URL pointed at a closed local port.

    The tests check what the shipped configuration does when its news feeds cannot be
    reached; they must never send a request to the real hosts, so each `https://host/path`
    becomes `http://127.0.0.1:<closed port>/host/path` (connection refused at once).
    """
    closed = free_port()
    text = (REPO / "newsledger.toml").read_text(encoding="utf-8")
    offline = re.sub(
        r'^url = "https?://([^"]+)"',
        lambda m: f'url = "http://127.0.0.1:{closed}/{m.group(1)}"',
        text,
        flags=re.MULTILINE,
    )
    assert offline.count(f"127.0.0.1:{closed}") >= 9, "the shipped feeds were not all rewritten"
    destination.write_text(offline, encoding="utf-8")
    return destination


def copy_samples(directory: Path) -> Path:
    target = directory / "articles"
    shutil.copytree(SAMPLES, target)
    return target


def worker_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLEDGER_")}
    env.pop("DATABASE_URL", None)
    # The checkout first: a process started in a temporary folder imports this code.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    env.update({"NEWSLEDGER_LOG_FORMAT": "json", "PYTHONUNBUFFERED": "1"})
    env.update(overrides)
    return env


@dataclass
class WorkerProcess:
    """A real `newsledger` process whose JSON-lines log is collected as it runs."""

    process: subprocess.Popen[str]
    lines: list[dict[str, Any]] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.raw.append(line)
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    self.lines.append(json.loads(line))

    def logged(self, message: str) -> list[dict[str, Any]]:
        return [entry for entry in list(self.lines) if message in entry.get("message", "")]

    def wait_logged(self, message: str, *, timeout: float) -> list[dict[str, Any]]:
        """Wait for a log line containing `message`; fail at once if the process died."""

        def seen() -> list[dict[str, Any]]:
            found = self.logged(message)
            if not found and self.process.poll() is not None:
                time.sleep(0.2)  # let the reader drain the pipe
                raise AssertionError(
                    f"worker exited with {self.process.returncode} before logging {message!r}:\n"
                    + self.log_text()[-3000:]
                )
            return found

        try:
            result: list[dict[str, Any]] = wait_for(seen, timeout=timeout)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n--- log ---\n{self.log_text()[-3000:]}") from None
        return result

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def wait(self, timeout: float) -> int:
        code = self.process.wait(timeout)
        self._reader.join(2)
        return code

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(5)

    def log_text(self) -> str:
        return "".join(self.raw)


def start_worker(args: list[str], *, env: dict[str, str], cwd: Path) -> WorkerProcess:
    process = subprocess.Popen(
        [sys.executable, "-m", "newsledger.cli", *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    return WorkerProcess(process)


@pytest.fixture
def processes() -> Iterator[list[WorkerProcess]]:
    """Started worker processes, killed at the end whatever happened."""
    started: list[WorkerProcess] = []
    yield started
    for worker in started:
        worker.stop()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


def now_utc() -> datetime:
    return datetime.now(UTC)
