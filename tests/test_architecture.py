"""The house rules of the README's architecture section hold, as far as a test can tell:
import directions, facades, no cycles, one home for each rule, small modules."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: The shipped packages, lowest layer first.
PACKAGES = ("store", "newsfacts", "ingest", "feeds", "newsledger")

FORBIDDEN = {
    "store": {"newsfacts", "ingest", "feeds", "newsledger"},
    "newsfacts": {"ingest", "feeds", "newsledger"},
    "feeds": {"ingest", "newsledger"},
    "ingest": {"feeds", "newsledger"},
}

#: Packages whose `__init__.py` is the only way in for the composition root.
FACADES = ("ingest", "feeds")

#: Modules whose exceptions are the database driver's; only the store's translator sees them.
DRIVER_ERRORS = ("sqlalchemy.exc", "psycopg", "sqlite3")
TRANSLATOR = "store/errors.py"

MAX_LINES = 300
#: Modules over MAX_LINES for now, each with its reason; the test fails once one shrinks
#: back (so the list cannot outlive the exception).
TOO_LONG_FOR_NOW: set[str] = set()


def _source_files() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(dotted: str) -> bool:
    relative = Path(*dotted.split("."))
    return (ROOT / relative.with_suffix(".py")).is_file() or (ROOT / relative).is_dir()


def _imports(path: Path) -> Iterator[tuple[str, list[str]]]:
    """Every absolute import as (module, names imported from it), lazy ones included.

    `from store import schema` imports the module `store.schema`, not the facade.
    """
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [alias.name for alias in node.names]
            submodules = [n for n in names if _is_module(f"{node.module}.{n}")]
            for name in submodules:
                yield f"{node.module}.{name}", []
            if len(submodules) < len(names):
                yield node.module, [n for n in names if n not in submodules]


def _imported_packages(path: Path) -> set[str]:
    return {module.split(".")[0] for module, _ in _imports(path)}


def _imported_modules(path: Path) -> set[str]:
    found = set()
    for module, names in _imports(path):
        found.add(module)
        found.update(f"{module}.{name}" for name in names)
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_import_what_it_must_not_know(package: str) -> None:
    offenders = {
        _relative(path): sorted(_imported_packages(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {name: bad for name, bad in offenders.items() if bad} == {}


@pytest.mark.parametrize("package", FACADES)
def test_the_composition_root_enters_a_package_only_through_its_facade(package: str) -> None:
    offenders = {
        f"{_relative(path)}: {module}"
        for path in (ROOT / "newsledger").rglob("*.py")
        for module, _ in _imports(path)
        if module.startswith(f"{package}.")
    }
    assert offenders == set()


@pytest.mark.parametrize("package", FACADES)
def test_a_facade_lists_its_names_sorted_and_each_one_exists(package: str) -> None:
    module = __import__(package)
    names = list(module.__all__)
    # ruff's order (RUF022): constants, then classes, then functions, each alphabetical.
    assert names == sorted(names, key=lambda n: (not n.isupper(), not n[:1].isupper(), n))
    assert [name for name in names if not hasattr(module, name)] == []


def test_nothing_inside_a_package_imports_back_up_through_its_own_facade() -> None:
    """A facade is the way in from outside; inside, modules import each other directly."""
    offenders = {
        f"{_relative(path)}: {module}"
        for package in ("store", "newsfacts", *FACADES)
        for path in (ROOT / package).rglob("*.py")
        if path.name != "__init__.py"
        for module, _ in _imports(path)
        if module == package
    }
    assert offenders == set()


def test_the_ingest_stages_never_import_the_orchestration_above_them() -> None:
    """fetch/, parse/, normalise/ and record/ are steps; the poller composes them."""
    above = {"ingest", "ingest.poller", "ingest.folders", "ingest.full_text"}
    offenders = {
        f"{_relative(path)}: {module}"
        for stage in ("fetch", "parse", "normalise", "record")
        for path in (ROOT / "ingest" / stage).rglob("*.py")
        for module, _ in _imports(path)
        if module in above
    }
    assert offenders == set()


def test_there_are_no_import_cycles_between_modules() -> None:
    modules = {_module_name(path): path for path in _source_files()}
    graph = {
        name: {m for m in _imported_modules(path) if m in modules and m != name}
        for name, path in modules.items()
    }
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph[name]):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_only_the_store_translator_imports_driver_exception_types() -> None:
    """One translator: every other module gets the store's own errors, never the driver's."""
    importers = {
        _relative(path)
        for path in _source_files()
        if any(
            name == driver or name.startswith(driver + ".")
            for name in _imported_modules(path)
            for driver in DRIVER_ERRORS
        )
    }
    assert importers == {TRANSLATOR}


def test_only_store_imports_the_database_driver() -> None:
    for package in ("newsfacts", "ingest", "feeds", "newsledger"):
        for path in (ROOT / package).rglob("*.py"):
            assert "psycopg" not in _imported_packages(path), path


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


def test_no_module_is_over_three_hundred_lines() -> None:
    sizes = {
        _relative(path): len(path.read_text(encoding="utf-8").splitlines())
        for path in _source_files()
    }
    too_long = {name for name, lines in sizes.items() if lines > MAX_LINES}
    assert too_long == TOO_LONG_FOR_NOW, {name: sizes[name] for name in too_long}
