"""The compose file as `docker-compose config` reads it: checks that need no engine, so
they run everywhere; tests/docker/test_compose.py runs the file in a real one."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from tests.conftest import require_tool
from tests.docker.conftest import REPO


def compose_config(**env: str) -> dict[str, Any]:
    """`docker-compose config`, as data (read with the YAML library the tool ships with)."""
    tool = require_tool("docker-compose", "docker-compose")
    result = subprocess.run(
        [tool, "-f", str(REPO / "docker-compose.yml"), "config"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **env},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    interpreter = Path(tool).read_text(errors="replace").splitlines()[0].removeprefix("#!").split()
    code = "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))"
    converted = subprocess.run(
        [*interpreter, "-c", code], input=result.stdout, capture_output=True, text=True, check=True
    )
    config: dict[str, Any] = json.loads(converted.stdout)
    return config


def test_the_compose_file_runs_postgres_a_worker_and_a_web_server_from_one_image() -> None:
    services = compose_config()["services"]
    assert set(services) == {"postgres", "worker", "web"}
    worker, web = services["worker"], services["web"]
    assert worker["image"] == web["image"] == "newsledger:latest"
    # Built once: only the worker builds, and web is created after it.
    assert "build" in worker and "build" not in web
    assert web["depends_on"]["worker"]["condition"] == "service_started"
    for service in (worker, web):
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert worker["command"][:3] == ["newsledger", "run", "--no-serve"]
    assert web["command"][:2] == ["newsledger", "serve"]


def test_the_postgres_health_check_connects_over_tcp() -> None:
    test = " ".join(compose_config()["services"]["postgres"]["healthcheck"]["test"])
    assert "pg_isready" in test and "-h 127.0.0.1" in test


def test_credentials_port_and_public_address_come_from_the_environment() -> None:
    services = compose_config(
        POSTGRES_USER="ledger",
        POSTGRES_PASSWORD="s3cret",
        NEWSLEDGER_PORT="9090",
        NEWSLEDGER_BASE_URL="https://news.example.org",
    )["services"]
    for name in ("worker", "web"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"] == "postgresql://ledger:s3cret@postgres:5432/newsledger"
        assert env["NEWSLEDGER_BASE_URL"] == "https://news.example.org"
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == "s3cret"
    assert str(services["web"]["ports"][0]["published"]) == "9090"


def test_every_volume_is_named_or_a_bind_mount() -> None:
    config = compose_config()
    for name, service in config["services"].items():
        for volume in service.get("volumes", []):
            # docker-compose 1.29 prints the short form: SOURCE:TARGET[:MODE].
            source, *target = volume.split(":")
            assert target, f"{name}: anonymous volume {volume}"
            assert source.startswith("/") or source in config["volumes"], (name, volume)
