"""The import directions of DESIGN.md hold: store knows nothing of ingest or feeds, feeds
nothing of ingest, and only the composition root wires them together."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN = {
    "store": {"newsfacts", "ingest", "feeds", "newsledger"},
    "newsfacts": {"ingest", "feeds", "newsledger"},
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


#: Modules whose exceptions are the database driver's; only the store's translator sees them.
DRIVER_ERRORS = ("sqlalchemy.exc", "psycopg", "sqlite3")
TRANSLATOR = Path("store/errors.py")


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _source_files() -> list[Path]:
    return sorted(p for package in SOURCES for p in (ROOT / package).rglob("*.py"))


SOURCES = ("store", "newsfacts", "ingest", "feeds", "newsledger")


def test_only_the_store_translator_imports_driver_exception_types() -> None:
    """One translator: every other module gets the store's own errors, never the driver's."""
    importers = {
        str(path.relative_to(ROOT))
        for path in _source_files()
        if any(
            name == driver or name.startswith(driver + ".")
            for name in _imported_modules(path)
            for driver in DRIVER_ERRORS
        )
    }
    assert importers == {str(TRANSLATOR)}


def test_only_store_imports_the_database_driver() -> None:
    for package in ("ingest", "feeds", "newsledger"):
        for path in (ROOT / package).rglob("*.py"):
            assert "psycopg" not in _imported_packages(path), path


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_event_type_names_and_stream_prefixes_are_spelled_only_in_newsfacts() -> None:
    """The vocabulary has one home: elsewhere types are named through its declarations."""
    from newsfacts import SCHEMA_VERSIONS

    spelled = set(SCHEMA_VERSIONS) | {"article-", "source-"}
    offenders = {
        f"{_relative(path)}:{node.lineno}: {node.value!r}"
        for path in _source_files()
        if path.parts[len(ROOT.parts)] != "newsfacts"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and node.value in spelled
    }
    assert offenders == set()


def test_source_health_is_folded_in_one_module() -> None:
    """Failures are what health is made of: only the ingest projection reads them back."""
    folders = set()
    for path in _source_files():
        if path.parts[len(ROOT.parts)] == "newsfacts":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == "name"
                and isinstance(node.value, ast.Name)
                and node.value.id == "SOURCE_FETCH_FAILED"
            ):
                folders.add(_relative(path))
    assert folders == {"ingest/projections.py"}
