"""Helpers for the attack tests: a real `newsledger` process and a server of crafted bytes."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


def serve(config: Path, port: int, *options: str, stderr: Any = subprocess.DEVNULL) -> Any:
    """A real `newsledger serve` process on `port` (the caller terminates it)."""
    from tests.worker.conftest import worker_env

    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "newsledger.cli",
            "--config",
            str(config),
            "serve",
            *options,
            "--port",
            str(port),
        ],
        env=worker_env(),
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )


def healthz(port: int) -> tuple[int, dict[str, Any]]:
    """The status and JSON body of a worker's `/healthz` on 127.0.0.1:`port`."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def start_metrics_worker(config: Path, cwd: Path) -> tuple[Any, int]:
    """A real `newsledger run --no-serve` worker and the port of its metrics and /healthz."""
    from tests.worker.conftest import free_port, start_worker, worker_env

    port = free_port()
    worker = start_worker(
        ["--config", str(config), "run", "--no-serve", "--metrics-port", str(port)],
        env=worker_env(),
        cwd=cwd,
    )
    return worker, port


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


def newsledger(*args: str, config: Path, timeout: float = 120, **env: str) -> Ran:
    """Run the real `newsledger` command in its own process, as an operator would."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLEDGER_")}
    environment.pop("DATABASE_URL", None)
    environment["PYTHONPATH"] = str(REPO)
    environment.update(env)
    done = subprocess.run(
        [sys.executable, "-m", "newsledger.cli", "--config", str(config), *args],
        env=environment,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=timeout,
        cwd=config.parent,
    )
    return Ran(done.returncode, done.stdout, done.stderr)


def write_config(directory: Path, *, store_url: str, extra: str = "") -> Path:
    """A configuration with no sources, feeds published to `directory/public`."""
    path = directory / "newsledger.toml"
    path.write_text(f'[store]\nurl = "{store_url}"\n\n{extra}\n', encoding="utf-8")
    return path


Responder = Callable[[BaseHTTPRequestHandler], None]


class CraftedServer:
    """An HTTP server on 127.0.0.1 whose answer to each path is a function the test gives."""

    def __init__(self) -> None:
        self.routes: dict[str, Responder] = {}
        self.hits: dict[str, int] = {}
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.port = int(self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(self, path: str, body: bytes, *, content_type: str = "application/rss+xml",
              status: int = 200, headers: dict[str, str] | None = None) -> str:  # fmt: skip
        """Answer `path` with these bytes; returns its URL."""

        def respond(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(body)

        self.routes[path] = respond
        return self.url(path)

    def count(self, path: str) -> int:
        with self.lock:
            return self.hits.get(path, 0)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _handler(server: CraftedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            with server.lock:
                server.hits[self.path] = server.hits.get(self.path, 0) + 1
            respond = server.routes.get(self.path)
            if respond is None:
                self.send_error(404)
                return
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                respond(self)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def crafted() -> Iterator[CraftedServer]:
    server = CraftedServer()
    yield server
    server.close()
