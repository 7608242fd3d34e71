"""Helpers for the worker's tests: configurations, real worker processes, a feed server."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "examples" / "articles"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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


# -- a feed server whose items the test controls -----------------------------------------


@dataclass(frozen=True)
class FeedItem:
    guid: str
    title: str
    text: str
    published: datetime


class FeedServer:
    """RSS feeds at /feeds/<name>.rss on 127.0.0.1, with ETag/304, counting requests."""

    def __init__(self) -> None:
        self.feeds: dict[str, list[FeedItem]] = {}
        self.requests: dict[str, int] = {}
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                name = self.path.removeprefix("/feeds/").removesuffix(".rss")
                with server.lock:
                    server.requests[name] = server.requests.get(name, 0) + 1
                    items = server.feeds.get(name)
                if items is None:
                    self.send_error(404)
                    return
                body = rss(name, items, port=server.port)
                etag = f'"{abs(hash(body))}"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = int(self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/feeds/{name}.rss"

    def publish(self, name: str, items: list[FeedItem]) -> None:
        with self.lock:
            self.feeds[name] = list(items)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def rss(name: str, items: list[FeedItem], *, port: int) -> bytes:
    entries = "".join(
        f'<item><guid isPermaLink="false">{escape(i.guid)}</guid>'
        f"<title>{escape(i.title)}</title>"
        f"<link>http://127.0.0.1:{port}/articles/{escape(i.guid)}</link>"
        f"<pubDate>{format_datetime(i.published)}</pubDate>"
        f"<description>{escape(i.text)}</description></item>"
        for i in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(name)}</title><link>http://127.0.0.1:{port}/</link>"
        f"<description>test feed {escape(name)}</description>{entries}</channel></rss>"
    ).encode()


_TOPICS = [
    (
        "Bộ trưởng {n} hội đàm với người đồng cấp Lào tại Viêng Chăn",
        "Chiều {d}/3, hai Bộ trưởng đã hội đàm, thống nhất đẩy mạnh hợp tác trong lĩnh vực số {n}. "
        "Kim ngạch thương mại song phương đạt {n},5 triệu USD, tăng 7% so với cùng kỳ.",
    ),
    (
        "Lao delegation {n} pays courtesy call on Vietnamese Deputy Prime Minister",
        "The visiting delegation number {n} held talks in Hà Nội on Tuesday; both sides "
        "agreed to raise two-way trade to US${n} million in the coming year.",
    ),
]


def news_item(feed: str, n: int, *, now: datetime) -> FeedItem:
    title, text = _TOPICS[n % 2]
    day = n % 28 + 1
    return FeedItem(
        guid=f"{feed}-{n}",
        title=f"{title.format(n=n, d=day)} ({feed})",
        text=text.format(n=n, d=day) + f" Mã bài {feed}/{n}.",
        published=now - timedelta(minutes=n),
    )


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


def now_utc() -> datetime:
    return datetime.now(UTC)


# -- a TCP proxy the test can cut, standing in for a database that goes away --------------


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a target; `stop()` refuses and drops every connection."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(100)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            conns, self._conns = self._conns, []
        if listener is not None:
            listener.close()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                if self._listener is not listener:
                    client.close()
                    upstream.close()
                    return
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


def through_proxy(url: str, proxy: TcpProxy) -> str:
    """`url` with its host:port replaced by the proxy's."""
    return re.sub(r"@[^/]+/", f"@127.0.0.1:{proxy.port}/", url, count=1)
