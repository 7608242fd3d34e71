"""Package discovery cannot forget a subpackage, and the wheel carries every file the
packages read at run time (the image once lacked `newsledger.commands`: issue 9)."""

from __future__ import annotations

import tomllib
import zipfile
from pathlib import Path

from setuptools import find_packages

from tests.packaging.conftest import REPO, Installed, tracked_files

#: Top-level folders holding Python that is not shipped.
NOT_SHIPPED = {"tests", "benchmarks", "docs", "examples"}


def _tree_packages() -> set[str]:
    """Every folder of the source tree that holds Python code, as a dotted name."""
    folders = {
        path.parent
        for path in tracked_files(REPO)
        if path.suffix == ".py" and len(path.parts) > 1 and path.parts[0] not in NOT_SHIPPED
    }
    return {".".join(folder.parts) for folder in folders}


def _declared_packages() -> set[str]:
    """What setuptools finds with pyproject's `[tool.setuptools.packages.find]`."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = config["tool"]["setuptools"]
    packages = setuptools["packages"]
    assert isinstance(packages, dict), "find packages with packages.find, never list them"
    find = packages["find"]
    return set(find_packages(where=str(REPO / find["where"][0]), include=find["include"]))


def _wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_the_declared_packages_are_exactly_the_packages_of_the_tree() -> None:
    tree = _tree_packages()
    assert {"newsledger.commands", "store.migrations.versions"} <= tree
    assert _declared_packages() == tree


def test_every_folder_of_python_code_is_a_regular_package() -> None:
    # packages.find skips a folder without __init__.py, silently dropping its modules.
    files = {str(p) for p in tracked_files(REPO)}
    missing = sorted(
        package
        for package in _tree_packages()
        if f"{package.replace('.', '/')}/__init__.py" not in files
    )
    assert missing == []


def test_the_wheel_holds_every_package_of_the_tree_and_nothing_else(installed: Installed) -> None:
    names = _wheel_names(installed.wheel)
    packaged = {str(Path(n).parent).replace("/", ".") for n in names if n.endswith(".py")}
    assert packaged == _tree_packages()


def test_the_wheel_carries_every_data_file_of_the_packages(installed: Installed) -> None:
    top = {package.split(".")[0] for package in _tree_packages()}
    data = {
        str(path) for path in tracked_files(REPO) if path.parts[0] in top and path.suffix != ".py"
    }
    # The files the code reads at run time, so that this test cannot pass on an empty set.
    assert {"feeds/topics.toml", "store/migrations/script.py.mako"} <= data
    assert data - _wheel_names(installed.wheel) == set()
