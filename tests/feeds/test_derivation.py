"""The views' code digest moves with the code that derives them and not with the code that
only renders them: an upgrade that changes an extractor rebuilds the views, one that changes
a template or the publisher re-renders the files and leaves the views alone."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from feeds.derivation import PACKAGES, code_of_views, derived_by

REPO = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(REPO / package, tmp_path / package)
    return tmp_path


def _touch(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")


@pytest.mark.parametrize(
    "derives", ["feeds/meetings.py", "feeds/shingles.py", "feeds/measures.py", "feeds/topics.toml"]
)
def test_a_change_to_code_that_derives_the_views_changes_their_digest(
    tree: Path, derives: str
) -> None:
    before = code_of_views(tree)
    _touch(tree / derives)
    assert code_of_views(tree) != before


@pytest.mark.parametrize(
    "renders",
    [
        "feeds/publisher.py",
        "feeds/render.py",
        "feeds/site.py",
        "feeds/views.py",
        "feeds/story_views.py",
        "feeds/templates/story.html",
    ],
)
def test_a_change_to_code_that_only_renders_leaves_the_digest(tree: Path, renders: str) -> None:
    before = code_of_views(tree)
    _touch(tree / renders)
    assert code_of_views(tree) == before


def test_every_module_a_derived_module_imports_is_derived_too() -> None:
    """The import closure read from the source text, checked against Python's own parse of
    every import statement (nested ones too) in each of its files."""
    derived = derived_by(REPO)
    assert REPO / "feeds" / "stories.py" in derived
    for path in derived:
        for node in ast.walk(ast.parse(path.read_bytes())):
            if isinstance(node, ast.ImportFrom):  # a relative one the text reader misses
                assert node.level == 0, (path, node.module)
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                subs = [f"{node.module}.{alias.name}" for alias in node.names]
                names = [s for s in subs if _file(s)] or [node.module]
            else:
                continue
            for name in names:
                found = _file(name)
                assert found is None or found in derived, (path, name)


def _file(module: str) -> Path | None:
    base = REPO.joinpath(*module.split("."))
    if module.split(".")[0] not in PACKAGES:
        return None
    return next((p for p in (base.with_suffix(".py"), base / "__init__.py") if p.is_file()), None)
