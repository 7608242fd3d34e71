"""Docker: the compose file validates, and the image's commands work with its environment.

No Docker engine runs here, so the containers' entry points are run directly with the
same commands and the same environment variables the files give them.
"""

from __future__ import annotations

import json
import re
import shlex
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require_tool
from tests.worker.conftest import (
    REPO,
    WorkerProcess,
    free_port,
    offline_shipped_config,
    start_worker,
    wait_for,
    worker_env,
)

DOCKERFILE = REPO / "Dockerfile"


def compose_config(*, env: dict[str, str] | None = None) -> dict[str, Any]:
    """`docker-compose config` output, as data (read with the YAML library it ships with)."""
    tool = require_tool("docker-compose", "docker-compose")
    result = subprocess.run(
        [tool, "-f", str(REPO / "docker-compose.yml"), "config"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    interpreter = Path(tool).read_text(errors="replace").splitlines()[0].removeprefix("#!").split()
    converted = subprocess.run(
        [
            *interpreter,
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))",
        ],
        input=result.stdout,
        capture_output=True,
        text=True,
        check=True,
    )
    config: dict[str, Any] = json.loads(converted.stdout)
    return config


def dockerfile() -> tuple[dict[str, str], list[str], str]:
    """(ENV, CMD, HEALTHCHECK command) of the Dockerfile."""
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    env: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            env.update(dict(pair.split("=", 1) for pair in shlex.split(line[4:])))
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", text, re.M).group(1))  # type: ignore[union-attr]
    health = re.search(r"^HEALTHCHECK .*? CMD (\[.*\])$", text, re.M)
    assert health is not None
    return env, cmd, health.group(1)


def test_the_compose_file_validates_with_a_database_worker_and_web_service() -> None:
    config = compose_config()
    services = config["services"]
    assert set(services) == {"postgres", "worker", "web"}
    postgres, worker, web = services["postgres"], services["worker"], services["web"]
    assert postgres["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert any(v.startswith("pgdata:") for v in postgres["volumes"])
    for service in (worker, web):
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert service["restart"] == "unless-stopped"
        assert service["environment"]["DATABASE_URL"].startswith("postgresql://")
        assert any(v.endswith(":/config/newsledger.toml:ro") for v in service["volumes"])
    assert worker["command"][:3] == ["newsledger", "run", "--no-serve"]
    assert web["command"][:2] == ["newsledger", "serve"]
    assert web["ports"][0]["target"] == 8080
    assert web["ports"][0]["published"] in (8080, "8080")
    assert {"pgdata", "feeds"} <= set(config["volumes"])


def test_the_database_credentials_come_from_the_environment() -> None:
    import os

    env = {**os.environ, "POSTGRES_PASSWORD": "s3cret", "POSTGRES_USER": "ledger"}
    services = compose_config(env=env)["services"]
    assert services["worker"]["environment"]["DATABASE_URL"] == (
        "postgresql://ledger:s3cret@postgres:5432/newsledger"
    )
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == "s3cret"


def test_the_image_runs_as_a_non_root_user_with_data_in_a_volume_and_a_health_check() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.\d+-slim", text, re.M)
    assert re.search(r"^USER newsledger$", text, re.M)
    assert re.search(r"^VOLUME .*\"/data\"", text, re.M)
    assert "requirements.lock" in text
    pins = (REPO / "requirements.lock").read_text().split()
    for package in ("apscheduler", "sqlalchemy", "psycopg", "uvicorn", "prometheus-client"):
        assert any(re.fullmatch(rf"{package}==[\d.]+", pin) for pin in pins), package
    _, _, health = dockerfile()
    assert "/healthz" in text and "NEWSLEDGER_HEALTH_URL" in health


def _image_env(tmp_path: Path, values: dict[str, str]) -> dict[str, str]:
    """The image's environment, with its paths moved under `tmp_path`."""
    moved = {
        k: v.replace("/config/", f"{tmp_path}/config/").replace("/data/", f"{tmp_path}/data/")
        for k, v in values.items()
    }
    return worker_env(**moved)


def _lay_out_config(tmp_path: Path) -> None:
    """What the image holds under /config: the shipped configuration and examples."""
    import shutil

    (tmp_path / "config").mkdir()
    (tmp_path / "data").mkdir()
    offline_shipped_config(tmp_path / "config" / "newsledger.toml")
    shutil.copytree(REPO / "examples", tmp_path / "config" / "examples")


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read()


def test_the_images_default_command_serves_feeds_and_passes_its_health_check(
    tmp_path: Path, processes: list[WorkerProcess]
) -> None:
    image_env, cmd, health = dockerfile()
    _lay_out_config(tmp_path)
    port = free_port()
    env = _image_env(tmp_path, image_env)
    env["NEWSLEDGER_HEALTH_URL"] = f"http://127.0.0.1:{port}/healthz"
    args = [a if a != "8080" else str(port) for a in cmd[1:]]
    assert cmd[0] == "newsledger"
    worker = start_worker(args, env=env, cwd=tmp_path / "data")
    processes.append(worker)
    worker.wait_logged("worker started", timeout=30)
    assert (tmp_path / "data" / "newsledger.db").exists()  # DATABASE_URL from the image
    check = subprocess.run([sys.executable, "-c", json.loads(health)[2]], env=env, check=False)
    assert check.returncode == 0
    wait_for(lambda: list((tmp_path / "config" / "public").rglob("*.atom")), timeout=30)
    status, body = _get(f"http://127.0.0.1:{port}/metrics")
    assert status == 200 and b"newsledger_fetches_total" in body
    worker.signal(signal.SIGTERM)
    assert worker.wait(10) == 0


@pytest.mark.postgres
def test_the_compose_worker_and_web_commands_work_with_their_environment(
    tmp_path: Path, pg_url: str, processes: list[WorkerProcess]
) -> None:
    services = compose_config()["services"]
    _lay_out_config(tmp_path)
    for name in ("worker", "web"):
        service = services[name]
        env = _image_env(tmp_path, service["environment"])
        # The compose network's `postgres` host is the test database here.
        env["DATABASE_URL"] = pg_url
        port = free_port()
        args = [str(port) if a in ("8080", "9100") else a for a in service["command"][1:]]
        args = ["127.0.0.1" if a == "0.0.0.0" else a for a in args]
        env["NEWSLEDGER_HEALTH_URL"] = f"http://127.0.0.1:{port}/healthz"
        process = start_worker(args, env=env, cwd=tmp_path)
        processes.append(process)
        if name == "worker":
            process.wait_logged("worker started", timeout=30)
            wait_for(lambda: list((tmp_path / "config" / "public").rglob("*.atom")), timeout=30)
        health_url = env["NEWSLEDGER_HEALTH_URL"]
        status, body = wait_for(lambda: _try_get(health_url), timeout=30)  # noqa: B023
        assert status == 200, body
        process.signal(signal.SIGTERM)
        code = process.wait(10)
        # `serve` is plain uvicorn, which re-raises the signal after its graceful shutdown
        # (Docker reports 143); the worker handles the signal itself and exits with 0.
        expected = (0,) if name == "worker" else (0, -signal.SIGTERM)
        assert code in expected, process.log_text()[-2000:]


def _try_get(url: str) -> tuple[int, bytes] | None:
    try:
        return _get(url)
    except OSError:
        return None
