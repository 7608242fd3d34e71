"""The image built from the unmodified Dockerfile: non-root, consistent, versioned, lean."""

from __future__ import annotations

import json
import tomllib

import pytest

from tests.docker.conftest import REPO, REPORT, TIMEOUT, Engine
from tests.docker.standins import PYTHON_TAG

pytestmark = pytest.mark.timeout(TIMEOUT)


def _sh(engine: Engine, image: str, script: str) -> str:
    return engine.docker("run", "--rm", "--entrypoint", "sh", image, "-c", script)


def test_the_image_runs_as_a_non_root_user_with_one_uid_and_gid(engine: Engine, image: str) -> None:
    assert engine.docker("image", "inspect", "-f", "{{.Config.User}}", image) == "10001:10001"
    assert _sh(engine, image, "id -u; id -g").split() == ["10001", "10001"]
    # What the services write to belongs to that user.
    owners = _sh(engine, image, "stat -c '%u:%g' /data /config/public").split()
    assert owners == ["10001:10001", "10001:10001"]


def test_pip_check_finds_no_broken_requirement_in_the_image(engine: Engine, image: str) -> None:
    assert "No broken requirements found" in engine.docker("run", "--rm", image, "pip", "check")


def test_the_image_reports_the_projects_version(engine: Engine, image: str) -> None:
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    out = engine.docker("run", "--rm", image, "newsledger", "--version")
    assert out == f"newsledger, version {version}"


def test_the_image_holds_the_installed_wheel_and_no_source_tree_or_compiler(
    engine: Engine, image: str
) -> None:
    where = engine.docker(
        "run", "--rm", image, "python", "-c", "import newsledger, store; print(store.__file__)"
    )
    assert "-packages/store/" in where
    found = _sh(
        engine,
        image,
        "ls -d /src /build /wheels /config/*.egg-info 2>/dev/null;"
        " command -v gcc cc c++ make 2>/dev/null; true",
    )
    assert found == ""


def test_the_image_declares_no_anonymous_volume(engine: Engine, image: str) -> None:
    volumes = engine.docker("image", "inspect", "-f", "{{json .Config.Volumes}}", image)
    assert json.loads(volumes) is None


def test_the_image_adds_little_beyond_the_installed_packages(engine: Engine, image: str) -> None:
    size = int(engine.docker("image", "inspect", "-f", "{{.Size}}", image))
    base = int(engine.docker("image", "inspect", "-f", "{{.Size}}", PYTHON_TAG))
    installed = int(
        _sh(
            engine,
            image,
            "du -sb \"$(python -c 'import os, store; print(os.path.dirname(os.path.dirname("
            "store.__file__)))')\" | cut -f1",
        )
    )
    REPORT["installed packages"] = f"{installed / 1e6:.0f} MB"
    # What newsledger adds to its base is the installed packages (pip also writes byte
    # code, hence the margin); a copy of the wheels, of the source tree or of the build
    # stage would show here.
    assert size - base < installed * 1.25 + 10e6, (
        f"{(size - base) / 1e6:.0f} MB over {PYTHON_TAG} for {installed / 1e6:.0f} MB installed"
    )
