"""A digest of the code the views are derived by, part of each view's fingerprint
(store/fingerprints.py): after an upgrade that reads articles otherwise (the extractors,
classification, grouping), the worker rebuilds the views instead of adding rows of the new
reading to those of the old.

Only the modules the projections import, directly or through each other, count: a release
that changes how feeds and pages are rendered, and nothing they are derived by, leaves the
views as they are (the manifest's own digest re-renders the files, feeds/files.py). The
imports are read from the source text; reading one too many (an import in a docstring)
only rebuilds a view more often than needed, never less."""

from __future__ import annotations

import functools
import hashlib
import re
import sys
import unicodedata
from importlib import metadata
from pathlib import Path

#: Where the projections start (feeds/projections.py imports the stories projection).
PROJECTIONS = "feeds/projections.py"
#: Packages whose modules may derive views; other imports are libraries.
PACKAGES = ("feeds", "newsfacts")
#: Data read by the derivation (the shipped topics; their rules are in the fingerprint too).
DATA = ("feeds/topics.toml",)
#: Libraries whose output is part of the rows: CLDR's country names (babel) name the sides
#: of meetings, dateutil reads their dates, numpy hashes the shingles.
LIBRARIES = ("babel", "python-dateutil", "numpy")

_IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import[ \t]+(\([^)]*\)|[^\n#]+)|import[ \t]+([^\n#]+))",
    re.MULTILINE,
)


@functools.cache
def deriving_code() -> str:
    return code_of_views(Path(__file__).resolve().parent.parent)


def code_of_views(root: Path) -> str:
    """The digest of the files under `root` that the projections are derived by, of the
    Python they run on (its Unicode tables decide NFC, case and letters, its regular
    expressions every extractor) and of the libraries whose output they keep."""
    digest = hashlib.sha256()
    python = ".".join(map(str, sys.version_info[:2]))
    digest.update(f"python={python} unicode={unicodedata.unidata_version}\0".encode())
    for library in LIBRARIES:
        digest.update(f"{library}={metadata.version(library)}\0".encode())
    for path in sorted(derived_by(root)) + sorted(root / name for name in DATA):
        digest.update(f"{path.relative_to(root).as_posix()}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def derived_by(root: Path) -> set[Path]:
    """The source files of `PACKAGES` the projections import, directly or not."""
    found: set[Path] = set()
    todo = [root / PROJECTIONS]
    while todo:
        path = todo.pop()
        if path in found:
            continue
        found.add(path)
        todo.extend(_imported(path.read_text(encoding="utf-8"), root))
    return found


def _imported(source: str, root: Path) -> list[Path]:
    """The files of `PACKAGES` modules that `source` imports. `from feeds import text`
    is the submodule `feeds/text.py`, not the package's facade."""
    files = []
    for match in _IMPORT.finditer(source):
        module, names, plain = match.groups()
        if plain is not None:
            wanted = [part.split()[0] for part in plain.split(",") if part.strip()]
        else:
            members = [part.split()[0] for part in names.strip("() \n").split(",") if part.strip()]
            subs = [f"{module}.{m}" for m in members if _file(root, f"{module}.{m}")]
            wanted = subs or [module]
        files += [f for name in wanted if (f := _file(root, name)) is not None]
    return files


def _file(root: Path, module: str) -> Path | None:
    parts = module.split(".")
    if parts[0] not in PACKAGES:
        return None
    base = root.joinpath(*parts)
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None
