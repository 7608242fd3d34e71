"""The installed wheel works from outside the checkout: the commands a new user runs
first, on a folder of articles, publish valid Atom feeds."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import feedparser
import pytest

from tests.conftest import require_tool
from tests.packaging.conftest import REPO, Installed, installed_env
from tests.support import railway

ATOM_RNG = REPO.parent / "shared" / "corpus" / "atom" / "atom.rng"

ARTICLES = {
    "talks.txt": (
        "Vietnam and Laos foreign ministers hold talks in Vientiane\n\n"
        "Foreign Minister of Vietnam held talks with the Foreign Minister of Laos in "
        "Vientiane on Monday, agreeing to deepen cooperation in education and transport.\n"
    ),
    "thuong-mai.txt": (
        "Kim ngạch thương mại Việt Nam - Lào tăng 15%\n\n"
        "Trong quý đầu năm, kim ngạch thương mại song phương giữa Việt Nam và Lào đạt "
        "512 triệu USD, tăng 15% so với cùng kỳ năm trước.\n"
    ),
}


def _newsledger(installed: Installed, home: Path, *args: str) -> str:
    result = subprocess.run(
        [str(installed.newsledger), *args],
        cwd=home,  # outside the checkout: nothing can be imported from the source tree
        env=installed_env(home),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A user's folder: a configuration with one folder source of articles."""
    (tmp_path / "articles").mkdir()
    for name, text in ARTICLES.items():
        (tmp_path / "articles" / name).write_text(text, encoding="utf-8")
    (tmp_path / "newsledger.toml").write_text(
        '[store]\nurl = "sqlite:///store.db"\n\n'
        '[[sources]]\nid = "local"\nkind = "folder"\npath = "articles"\ninterval = "1h"\n',
        encoding="utf-8",
    )
    return tmp_path


def test_the_installed_command_reports_the_projects_version(
    installed: Installed, tmp_path: Path
) -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    out = _newsledger(installed, tmp_path, "--version")
    assert out.strip() == f"newsledger, version {project['version']}"


def test_the_installed_package_is_not_the_source_tree(installed: Installed, tmp_path: Path) -> None:
    code = "import newsledger, store, feeds, ingest; print(newsledger.__file__, store.__file__)"
    result = subprocess.run(
        [str(installed.python), "-c", code],
        cwd=tmp_path,
        env=installed_env(tmp_path),
        capture_output=True,
        text=True,
        check=True,
    )
    assert str(REPO) not in result.stdout
    assert "site-packages" in result.stdout


def test_the_installed_worker_ingests_a_folder_once_and_publishes_valid_feeds(
    installed: Installed, home: Path
) -> None:
    jing = require_tool("jing", "jing")
    if not ATOM_RNG.is_file():
        pytest.fail(f"Atom schema not found at {ATOM_RNG} (../shared beside the repo)")
    out = _newsledger(installed, home, "run", "--once")
    assert "local: ok (2 ArticleIngested" in out
    _newsledger(installed, home, "publish")
    feeds = sorted((home / "public" / "feeds").rglob("*.atom"))
    assert home / "public" / "feeds" / "all.atom" in feeds
    checked = subprocess.run(
        [jing, str(ATOM_RNG), *map(str, feeds)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    for path in feeds:
        assert feedparser.parse(path.read_bytes()).bozo == 0, path
    titles = {
        e.title for e in feedparser.parse((home / "public/feeds/all.atom").read_bytes()).entries
    }
    assert titles == {text.split("\n", 1)[0] for text in ARTICLES.values()}
    assert (home / "public" / "feeds.opml").is_file()
    assert (home / "public" / "index.html").is_file()


def test_the_installed_worker_groups_a_copy_into_one_story_with_its_page(
    installed: Installed, home: Path
) -> None:
    """A second site's copy of a report (its own title, one sentence more) is not an entry
    of its own: the feed keeps one entry for the story, and the story has a page listing
    both reports."""
    (home / "articles" / "railway.txt").write_text(railway.REPORT, encoding="utf-8")
    (home / "articles" / "railway-copy.txt").write_text(railway.COPY, encoding="utf-8")
    out = _newsledger(installed, home, "run", "--once")
    assert "local: ok (4 ArticleIngested" in out
    _newsledger(installed, home, "publish")
    entries = feedparser.parse((home / "public/feeds/all.atom").read_bytes()).entries
    assert len(entries) == 3  # the two articles of `home`, and the story once
    [page] = (home / "public" / "stories").glob("*.html")
    text = page.read_text(encoding="utf-8")
    assert railway.TITLE in text and railway.COPY_TITLE in text


def test_the_installed_package_migrates_a_new_store_with_its_shipped_migrations(
    installed: Installed, home: Path
) -> None:
    out = _newsledger(installed, home, "db", "upgrade")
    assert (home / "store.db").is_file(), out
    assert "OK: 0 events" in _newsledger(installed, home, "verify")
