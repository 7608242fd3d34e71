"""The output folder: atomic writes that move mtimes forward, the manifest of what each
file was rendered from, and the lock that lets one publisher at a time in."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import logging
import math
import os
import re
import tempfile
import time
from collections.abc import Iterator, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from feeds.errors import PublishError

#: The packages the published bytes are rendered by (code, templates, shipped topics).
_RENDERING_PACKAGES = ("feeds", "newsfacts")
#: The libraries that write those bytes with them: a release may escape or order otherwise.
_RENDERING_LIBRARIES = ("jinja2", "markupsafe", "feedgen", "lxml", "nh3")

MANIFEST = ".newsledger-manifest.json"
LOCK = ".newsledger-publish.lock"
#: What names an article's or a story's page: never a path (no dots, no slashes). The ids
#: come from the log, which `import` may have filled from a crafted file.
PAGE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")

log = logging.getLogger(__name__)


def page_file(folder: str, page_id: str) -> str | None:
    """`<folder>/<page_id>.html`, or None (and a warning) when the id is not a plain name:
    an article id of `../../x` must not write outside the output folder, nor stop the
    other pages from publishing."""
    if PAGE_ID.fullmatch(page_id) is None:
        log.warning("not publishing a page for the id %r in %s/: not a plain name", page_id, folder)
        return None
    return f"{folder}/{page_id}.html"


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` to `path` atomically (temp file + rename) unless it already holds it."""
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise PublishError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            # No fsync: the files are derived and a publish rewrites any that a crash lost;
            # readers never see a partial file because of the rename (4 ms saved per file).
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(tmp, 0o644)
            stamp = _next_mtime(path)
            os.utime(tmp, (stamp, stamp))
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise PublishError(f"cannot write {path}: {exc.strerror}") from exc
    return True


#: Output folders swept of leftovers in this process.
_SWEPT: set[Path] = set()


def sweep_leftovers(out: Path) -> list[Path]:
    """The temporary files of a publisher killed between writing and renaming, removed
    (call it holding the lock). Once per process and folder: only a process that died
    leaves them, and walking 100,000 pages on every publish would cost more than they do."""
    if out in _SWEPT:
        return []
    _SWEPT.add(out)
    removed = []
    for path in sorted(out.rglob(".*.tmp")):
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed


def _next_mtime(path: Path) -> int:
    """A whole-second mtime later than the file's current one and not before now.

    The server's Last-Modified is the mtime in whole seconds (HTTP dates have no
    fractions), so every change must move it by at least one second, or a client that
    revalidates with If-Modified-Since alone would get 304 for changed bytes.
    """
    try:
        previous = math.floor(path.stat().st_mtime) + 1
    except FileNotFoundError:
        previous = 0
    return max(math.ceil(time.time()), previous)


def remove_stale(out: Path, stale: set[str]) -> list[str]:
    """Files an earlier publish wrote that no topic produces now (a topic was removed)."""
    removed = []
    for rel in sorted(stale):
        with contextlib.suppress(FileNotFoundError):
            (out / rel).unlink()
            removed.append(rel)
        # And the folders it leaves empty (a topic's archive/), as a replay's has none.
        for folder in (out / rel).parents:
            if folder == out or not folder.is_relative_to(out):
                break
            try:
                folder.rmdir()
            except OSError:  # not empty (or gone): the folders above it are not either
                break
    return removed


def read_manifest(out: Path) -> dict[str, Any]:
    try:
        value = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def write_manifest(out: Path, manifest: dict[str, Any]) -> None:
    data = json.dumps(manifest, sort_keys=True, indent=0).encode("utf-8")
    write_if_changed(out / MANIFEST, data)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """One publisher at a time per folder (the worker's scheduler and a `replay`, say)."""
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def stale_files(candidates: set[str], topics: set[str], archives: bool) -> set[str]:
    """Files of the last publish not produced now, but the archive pages of a current topic
    (one of `topics`) after a quick publish (not `archives`): not stale, maybe (the next full
    publish decides)."""
    if archives:
        return candidates
    return {rel for rel in candidates if archive_topic(rel) not in topics}


def page_folder(rel: str) -> str | None:
    """The folder of a published page ("articles", "stories", "feeds/<topic>/archive"), or
    None for a document readers poll (`index.html`, `feeds.opml`, a topic's current feed):
    `status` and `publish` name those and count the pages per folder."""
    folder = rel.rpartition("/")[0]
    return None if folder in ("", "feeds") else folder


def archive_topic(rel: str) -> str | None:
    """The topic of an archive page's path ("feeds/<topic>/archive/<n>.atom"), else None."""
    parts = rel.split("/")
    return parts[1] if len(parts) == 4 and parts[0] == "feeds" and parts[2] == "archive" else None


@functools.cache
def rendering_code() -> str:
    """A digest of the files the published bytes are rendered by, part of the manifest's
    fingerprint: the package's version has stayed the same through hundreds of commits, so
    after an upgrade that renders differently, publishing rewrote only the files whose own
    stamps moved and left the rest as the old code wrote them (found by comparing an
    upgraded folder with a replay). Read once per process, about 1 MB."""
    root = Path(__file__).resolve().parent.parent
    return code_digest(root, _RENDERING_PACKAGES, _RENDERING_LIBRARIES)


def code_digest(root: Path, packages: Sequence[str], libraries: Sequence[str]) -> str:
    """The code, templates and shipped topics of `packages` under `root`, and the
    installed versions of `libraries`, as one short digest."""
    digest = hashlib.sha256()
    for library in libraries:  # their output is part of the bytes too
        digest.update(f"{library}={metadata.version(library)}\0".encode())
    for package in packages:
        for path in sorted((root / package).rglob("*")):
            if path.suffix in (".py", ".html", ".toml") and path.is_file():
                digest.update(f"{package}/{path.relative_to(root / package).as_posix()}\0".encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
