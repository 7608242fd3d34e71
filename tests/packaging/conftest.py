"""The wheel users install, built once per session from a clean copy of the tree and
installed into a fresh virtual environment outside the checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

#: Never part of a clean copy, whatever the checkout holds.
_LITTER = (".venv", "build", "dist", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache")


def tracked_files(root: Path) -> list[Path]:
    """The files a clean clone would have (tracked, plus new files git does not ignore)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        check=False,
    )
    if listed.returncode != 0:  # not a git checkout: everything but the usual litter
        return [
            p.relative_to(root)
            for p in root.rglob("*")
            if p.is_file() and not any(part in _LITTER for part in p.relative_to(root).parts)
        ]
    names = [n for n in listed.stdout.decode().split("\0") if n]
    return [Path(n) for n in names if (root / n).is_file()]


def clean_copy(destination: Path) -> Path:
    """A copy of the checkout holding only what a fresh clone holds (no egg-info, no build)."""
    for relative in tracked_files(REPO):
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / relative, target)
    return destination


@dataclass(frozen=True)
class Installed:
    """A wheel and the fresh venv it was installed into."""

    wheel: Path
    venv: Path

    @property
    def newsledger(self) -> Path:
        return self.venv / "bin" / "newsledger"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"


def _run(args: list[str | Path], cwd: Path) -> None:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{args} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    """`pip wheel . --no-deps` of a clean copy, installed with its dependencies (pinned by
    requirements.lock, as in the image) into a new venv."""
    work = tmp_path_factory.mktemp("packaging")
    source = clean_copy(work / "source")
    out = work / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--quiet", "-w", out], source)
    (wheel,) = out.glob("newsledger-*.whl")
    env_dir = work / "venv"
    venv.create(env_dir, with_pip=True)
    pip = [env_dir / "bin" / "python", "-m", "pip", "install", "--quiet"]
    _run([*pip, "-c", source / "requirements.lock", wheel], work)
    yield Installed(wheel=wheel, venv=env_dir)


def installed_env(home: Path) -> dict[str, str]:
    """The environment for the installed command: nothing from the checkout or its venv."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSLEDGER_", "PYTHON"))}
    env.pop("DATABASE_URL", None)
    env.pop("VIRTUAL_ENV", None)
    env["HOME"] = str(home)
    return env
