"""The import directions of DESIGN.md hold: store knows nothing of ingest or feeds, feeds
nothing of ingest, and only the composition root wires them together."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN = {
    "store": {"ingest", "feeds", "newsledger"},
    "feeds": {"ingest", "newsledger"},
    "ingest": {"feeds", "newsledger"},
}


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_import_what_it_must_not_know(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_packages(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {name: bad for name, bad in offenders.items() if bad} == {}


def test_only_store_imports_the_database_driver() -> None:
    for package in ("ingest", "feeds", "newsledger"):
        for path in (ROOT / package).rglob("*.py"):
            assert "psycopg" not in _imported_packages(path), path
