"""`newsledger serve` honours NEWSLEDGER_LOG_FORMAT=json as `run` does: in Docker every line
it writes, uvicorn's included, is one JSON object."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.app.test_environment import CONFIG
from tests.support.network import free_port


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def test_serve_writes_only_json_lines_when_the_log_format_is_json(tmp_path: Path) -> None:
    (tmp_path / "articles").mkdir()
    (tmp_path / "newsledger.toml").write_text(CONFIG, encoding="utf-8")
    port = free_port()
    env = {**os.environ, "NEWSLEDGER_LOG_FORMAT": "json", "NEWSLEDGER_CONFIG": "newsledger.toml"}
    server = subprocess.Popen(
        [sys.executable, "-m", "newsledger.cli", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not _answers(f"http://127.0.0.1:{port}/healthz"):
            assert server.poll() is None and time.monotonic() < deadline, "serve did not answer"
            time.sleep(0.1)
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=15)
    lines = [line for line in output.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # fails on any line that is not JSON
    assert {"serving feeds", "published feeds"} <= {r["message"] for r in records}
    assert any(r["logger"].startswith("uvicorn") for r in records), records
