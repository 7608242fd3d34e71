"""The Docker smoke test's engine and image: started once per session, under CI=true (or
NEWSLEDGER_DOCKER_SMOKE=1) as root; the timings and the image size end the pytest report."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI, _missing, require_tool
from tests.docker import standins
from tests.docker.engine import Engine, running_engine
from tests.worker.conftest import wait_for

REPO = Path(__file__).resolve().parents[2]
IMAGE = "newsledger:latest"
#: What the smoke test measured, in order: printed at the end of the run.
REPORT: dict[str, str] = {}
#: Long enough for a cold start (debootstrap, stand-in images, the image build).
TIMEOUT = 1800


@contextmanager
def timed(name: str) -> Iterator[None]:
    start = time.monotonic()
    try:
        yield
    finally:
        REPORT[name] = f"{time.monotonic() - start:.1f} s"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if REPORT:
        terminalreporter.section("Docker smoke test")
        for name, value in REPORT.items():
            terminalreporter.write_line(f"{name}: {value}")


def _enabled() -> None:
    if not IN_CI and os.environ.get("NEWSLEDGER_DOCKER_SMOKE") != "1":
        pytest.skip(
            "the Docker smoke test runs under CI=true or NEWSLEDGER_DOCKER_SMOKE=1; it needs "
            "root and apt-get install docker.io docker-compose debootstrap"
        )
    for tool, package in (
        ("dockerd", "docker.io"),
        ("docker-compose", "docker-compose"),
        ("debootstrap", "debootstrap"),
    ):
        require_tool(tool, package)
    if os.geteuid() != 0:
        _missing("the Docker smoke test starts its own dockerd and must run as root")


@pytest.fixture(scope="package")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A private dockerd with the stand-in base images; stopped at the end, failure included."""
    _enabled()
    log = tmp_path_factory.mktemp("dockerd") / "dockerd.log"
    start = time.monotonic()
    with running_engine(log) as running:
        REPORT["dockerd start"] = f"{time.monotonic() - start:.1f} s"
        with timed("stand-in base images (cached after the first run)"):
            standins.python_slim(running)
            standins.postgres(running)
        yield running


def _ca_bundle(directory: Path) -> Path | None:
    """The host's extra CA certificates, handed to the build as the `ca_bundle` secret."""
    certs = sorted(standins.EXTRA_CA.glob("*.crt"))
    if not certs:
        return None
    bundle = directory / "ca_bundle.pem"
    bundle.write_bytes(b"".join(c.read_bytes() for c in certs))
    return bundle


@pytest.fixture(scope="package")
def image(engine: Engine) -> str:
    """The image built from the repository's Dockerfile as it is."""
    with tempfile.TemporaryDirectory() as tmp:
        bundle = _ca_bundle(Path(tmp))
        secret = ["--secret", f"id=ca_bundle,src={bundle}"] if bundle else []
        # Containers on a bridge have no outbound network here, so the build uses the host's.
        with timed("image build"):
            engine.run(
                [engine.docker_cli, "build", "--network=host", *secret, "-t", IMAGE, str(REPO)],
                timeout=1200,
            )
    size = int(engine.docker("image", "inspect", "-f", "{{.Size}}", IMAGE))
    base = int(engine.docker("image", "inspect", "-f", "{{.Size}}", standins.PYTHON_TAG))
    REPORT["image size"] = f"{size / 1e6:.0f} MB ({(size - base) / 1e6:.0f} MB over the base)"
    return IMAGE


def http_get(url: str, timeout: float = 5) -> tuple[int, bytes] | None:
    """(status, body), or None while nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except OSError:
        return None


def wait_until(predicate: Any, *, timeout: float, every: float = 0.5) -> Any:
    """The tests' one poll-until helper, at a pace that suits containers."""
    return wait_for(predicate, timeout=timeout, every=every)


def logs(engine: Engine, container: str) -> str:
    result = engine.run([engine.docker_cli, "logs", container], check=False)
    return (result.stdout + result.stderr)[-6000:]


def run_in(engine: Engine, container: str, *command: str) -> subprocess.CompletedProcess[str]:
    return engine.run([engine.docker_cli, "exec", container, *command], check=False)
