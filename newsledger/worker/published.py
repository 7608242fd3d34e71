"""What `status` says of the output folder: each document readers poll (the topics' current
feeds, `feeds.opml`, `index.html`) with its age, and the pages (articles, stories, feed
archives) counted per folder. Listing every page printed one line per article: 100,000
lines for a store of 100,000 articles."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from feeds import page_folder


@dataclass(frozen=True, slots=True)
class FeedFile:
    name: str
    bytes: int
    modified: str
    age_seconds: float


@dataclass(frozen=True, slots=True)
class PageFolder:
    name: str  # relative to the output folder: "articles", "feeds/all/archive"
    files: int
    bytes: int
    newest: str  # the newest file's modification time
    age_seconds: float


def published_files(
    directory: Path | None, *, now: datetime
) -> tuple[tuple[FeedFile, ...], tuple[PageFolder, ...]]:
    """The documents in `directory` and in its `feeds/` (by name), and every deeper folder's
    pages summed up (by folder name)."""
    if directory is None or not directory.is_dir():
        return (), ()
    documents: list[FeedFile] = []
    folders: dict[str, list[float]] = {}  # name -> [files, bytes, newest mtime]
    for rel, stat in _walk(directory, ""):
        folder = page_folder(rel)
        if folder is None:
            modified = datetime.fromtimestamp(stat.st_mtime, UTC)
            documents.append(
                FeedFile(
                    rel, stat.st_size, modified.isoformat(timespec="seconds"), _age(now, modified)
                )
            )
            continue
        summed = folders.setdefault(folder, [0, 0, 0.0])
        summed[0] += 1
        summed[1] += stat.st_size
        summed[2] = max(summed[2], stat.st_mtime)
    pages = []
    for name, (files, size, newest) in sorted(folders.items()):
        modified = datetime.fromtimestamp(newest, UTC)
        age = _age(now, modified)
        pages.append(
            PageFolder(name, int(files), int(size), modified.isoformat(timespec="seconds"), age)
        )
    return tuple(sorted(documents, key=lambda f: f.name)), tuple(pages)


def _walk(directory: Path, prefix: str) -> Iterator[tuple[str, os.stat_result]]:
    """(relative name, stat) of every visible file under `directory`; `os.scandir`, whose
    entries carry what `stat` needs on Linux without a second system call per file."""
    with os.scandir(directory) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue  # the manifest, the lock, a publisher's temporary files
            rel = f"{prefix}{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                yield from _walk(Path(entry.path), f"{rel}/")
            elif entry.is_file(follow_symlinks=False):
                yield rel, entry.stat(follow_symlinks=False)


def _age(now: datetime, modified: datetime) -> float:
    return round(max(0.0, (now - modified).total_seconds()), 1)
