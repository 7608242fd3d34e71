"""Folder sources: `.txt`, `.md` and `.html` article files; new and changed files each poll."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import FetchError
from ingest.fetch.charset import WIDE_BOMS, decode
from ingest.normalise.items import Item, has_content, make_item
from ingest.parse.language import guess_language
from ingest.parse.textparts import parse_text_article
from ingest.parse.webpage import extract_html

log = logging.getLogger(__name__)

SUFFIXES = frozenset({".txt", ".md", ".html", ".htm"})
#: Files larger than this are not articles (a log or a dump dropped in the folder).
MAX_FILE_BYTES = 10 * 10**6
#: Bytes looked at for NULs: text has none, but for UTF-16 and UTF-32, which start with a BOM.
_SNIFF = 8192


@dataclass(frozen=True, slots=True)
class FileStamp:
    """What tells a changed file from an unchanged one without reading it."""

    mtime_ns: int
    size: int


@dataclass(frozen=True, slots=True)
class FolderListing:
    stamps: dict[str, FileStamp]  # every article file now in the folder
    changed: tuple[Path, ...]  # new or changed since the stamps the caller knew


@dataclass(frozen=True, slots=True)
class FolderBatch:
    items: tuple[Item, ...]
    bytes: int
    warnings: tuple[str, ...]
    failed: frozenset[str]  # files to read again next poll


def article_files(folder: Path) -> Iterator[tuple[Path, FileStamp]]:
    """Article files under `folder` (recursively, hidden files skipped), sorted by path."""
    if not folder.is_dir():
        raise FetchError("io", f"{folder} is not a readable directory")
    inside = os.path.realpath(folder) + os.sep
    found: list[tuple[list[str], str, FileStamp]] = []
    try:
        for root, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in files:
                dot = name.rfind(".")  # what Path.suffix takes, without building a Path
                if name.startswith(".") or not 0 < dot < len(name) - 1:
                    continue
                if name[dot:].lower() not in SUFFIXES:
                    continue
                full = os.path.join(root, name)
                try:
                    st = os.stat(full)
                except OSError:
                    continue  # removed while we looked
                # Regular files only, and a link only to one inside the folder: a FIFO
                # blocked the poll's reader for good, /dev/zero filled its memory (a size
                # of 0 passed the cap), and a link to /proc/self/environ published the
                # worker's environment.
                if not stat.S_ISREG(st.st_mode) or (
                    os.path.islink(full) and not os.path.realpath(full).startswith(inside)
                ):
                    continue
                # Sorted by path components, as Paths compare: comparing 20,000 Path
                # objects cost more than listing the folder.
                found.append((full.split(os.sep), full, FileStamp(st.st_mtime_ns, st.st_size)))
    except OSError as exc:
        raise FetchError("io", f"cannot list {folder}: {exc}") from exc
    found.sort(key=lambda entry: entry[0])
    return ((Path(full), stamp) for _, full, stamp in found)


def list_folder(folder: Path, *, known: dict[str, FileStamp]) -> FolderListing:
    """Stat every article file; those whose stamp differs from `known` are to be read."""
    stamps: dict[str, FileStamp] = {}
    changed: list[Path] = []
    for path, stamp in article_files(folder):
        stamps[str(path)] = stamp
        if known.get(str(path)) != stamp:
            changed.append(path)
    return FolderListing(stamps, tuple(changed))


def read_files(
    paths: Sequence[Path], *, language: str | None = None, headline_rule: str = "sentence"
) -> FolderBatch:
    """Read and parse a batch of files; unreadable or unusable files become warnings."""
    items: list[Item] = []
    warnings: list[str] = []
    failed: set[str] = set()
    size = 0
    for path in paths:
        try:
            body = _read_regular(path)
            if body is None:
                warnings.append(f"{path}: not a regular file, skipped")
                continue
            if len(body) > MAX_FILE_BYTES:
                warnings.append(f"{path}: larger than {MAX_FILE_BYTES} bytes, skipped")
                continue
        except OSError as exc:
            warnings.append(f"{path}: unreadable ({exc.strerror}), skipped")
            failed.add(str(path))
            continue
        size += len(body)
        try:
            item = file_item(path, body, language=language, headline_rule=headline_rule)
        except FetchError as exc:
            warnings.append(f"{path}: {exc.message}")
            continue
        if item is not None:
            items.append(item)
    return FolderBatch(tuple(items), size, tuple(warnings), frozenset(failed))


def _read_regular(path: Path) -> bytes | None:
    """The file's bytes, at most one more than MAX_FILE_BYTES; None if it is not a regular
    file now (replaced since it was listed). Opened without blocking, so a FIFO put in its
    place cannot hold the reader, and read up to the cap, not to a size the file reports."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return handle.read(MAX_FILE_BYTES + 1)


def file_item(
    path: Path, body: bytes, *, language: str | None = None, headline_rule: str = "sentence"
) -> Item | None:
    """One article file to an item (None for an empty file); FetchError('decode') for a
    file that is not text (an image or archive named .txt was stored as mojibake)."""
    if b"\x00" in body[:_SNIFF] and not body.startswith(WIDE_BOMS):
        raise FetchError("decode", "not a text file (NUL bytes), skipped")
    kind = "text/html" if path.suffix.lower() in (".html", ".htm") else None
    decoded = decode(body, kind, language=language)
    if (doubt := decoded.doubt()) is not None:
        log.warning("%s: %s", path, doubt)
    if not decoded.text.strip():
        return None
    url = (path if path.is_absolute() else path.resolve()).as_uri()
    if path.suffix.lower() in (".html", ".htm"):
        return extract_html(decoded.text, url=url, language=language, extractor="folder-html")
    article = parse_text_article(
        decoded.text, markdown=path.suffix.lower() == ".md", headline_rule=headline_rule
    )
    item = make_item(
        url=url,
        title=article.title,
        text=article.text,
        language=language or guess_language(article.text),
        published=article.published,
        published_from="dateline",
        place=article.place,
        extractor="folder-text",
    )
    return item if has_content(item) else None
