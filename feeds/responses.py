"""Published files as HTTP responses: validators (ETag, Last-Modified), conditional requests
and chunked streaming, so a slow reader never holds a whole feed in memory."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, BinaryIO

from starlette.requests import Request
from starlette.responses import Response

#: Bytes sent per write: a slow reader holds at most about this much of a file in memory.
CHUNK = 16 * 1024


@dataclass(frozen=True, slots=True)
class PublishedFile:
    path: Path
    key: tuple[int, int, int]
    size: int
    etag: str
    last_modified: datetime


class FileCache:
    """Validators of the published files, recomputed only when a file on disk changes.

    Bodies are never held here: each response streams its file in `CHUNK`s from an open
    descriptor, so 400 readers that stop reading a 5 MB feed cost 400 small buffers, not
    400 copies of the feed (finding 5 of the security issue).
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: dict[str, PublishedFile] = {}

    def get(self, rel: str) -> PublishedFile | None:
        path = self.root / rel
        try:
            st = os.stat(path)
        except OSError:
            self._files.pop(rel, None)
            return None
        return self._validators(rel, path, st, None)

    def open(self, rel: str) -> tuple[PublishedFile, BinaryIO] | None:
        """The file's validators and an open handle on exactly those bytes."""
        path = self.root / rel
        try:
            handle = path.open("rb")
        except OSError:
            self._files.pop(rel, None)
            return None
        # Validators of the inode we opened: a publish renaming a new file over it meanwhile
        # cannot pair the new ETag with the old bytes.
        return self._validators(rel, path, os.fstat(handle.fileno()), handle), handle

    def _validators(
        self, rel: str, path: Path, st: os.stat_result, handle: BinaryIO | None
    ) -> PublishedFile:
        key = (st.st_ino, st.st_mtime_ns, st.st_size)  # rename-replaced files get a new inode
        cached = self._files.get(rel)
        if cached is not None and cached.key == key:
            return cached
        digest = hashlib.sha256()
        with contextlib.ExitStack() as stack:
            source = handle or stack.enter_context(path.open("rb"))
            while chunk := source.read(CHUNK):
                digest.update(chunk)
            source.seek(0)
        # Last-Modified is the file's mtime, which the publisher moves forward by at least a
        # whole second on every change. The document's own <updated> is the newest entry's
        # time and does not move when an older-dated article arrives: an If-Modified-Since
        # client would be told "304" for a feed that changed.
        modified = datetime.fromtimestamp(st.st_mtime_ns // 1_000_000_000, UTC)
        entry = PublishedFile(path, key, st.st_size, '"' + digest.hexdigest()[:32] + '"', modified)
        self._files[rel] = entry
        return entry


def _malloc_trim() -> Callable[[], object]:
    """glibc's malloc_trim, or a no-op where the C library has none (musl, macOS)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return lambda: None
    trim.argtypes = [ctypes.c_size_t]
    return lambda: trim(0)


_trim = _malloc_trim()
_streaming = 0  # responses streaming now (one event loop, so no lock)


class FileResponse(Response):
    """A 200 that streams an open file in chunks, waiting for the reader between chunks."""

    def __init__(self, handle: BinaryIO, size: int, *, media_type: str,
                 headers: dict[str, str], head: bool) -> None:  # fmt: skip
        super().__init__(media_type=media_type, headers=headers)
        self.raw_headers = [(k, v) for k, v in self.raw_headers if k != b"content-length"] + [
            (b"content-length", str(size).encode())
        ]
        self.handle = handle
        self.head = head

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        gone = asyncio.Event()

        async def listen() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()

        global _streaming
        _streaming += 1
        listener = asyncio.create_task(listen())
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            # uvicorn's send waits while the connection's write buffer is full, so a reader
            # that stops reading stops the reading of the file too; one that leaves ends it.
            while not self.head and not gone.is_set() and (chunk := self.handle.read(CHUNK)):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await asyncio.sleep(0)  # let a lost connection be noticed before the next
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            listener.cancel()
            self.handle.close()
            _streaming -= 1
            if _streaming == 0:
                # The write buffers of hundreds of slow readers are freed into the middle of
                # the C heap, where glibc keeps them: RSS would stay at its peak for ever.
                # When the last stream ends, hand the free pages back to the system.
                _trim()


def not_modified(request: Request, etag: str, last_modified: datetime) -> bool:
    """RFC 9110 §13.2.2: If-None-Match wins; If-Modified-Since only without it."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        if if_none_match.strip() == "*":
            return True
        # `*` only stands alone; `W/*` or a `*` in a list is no entity tag at all.
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return etag in tags
    since = request.headers.get("if-modified-since")
    if since is None:
        return False
    try:
        moment = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if moment > max(datetime.now(UTC), last_modified):
        # RFC 9110 §13.1.3: a date in the future is no validator (year 9999). The publisher
        # may date a file a second or two ahead, so our own Last-Modified still counts.
        return False
    return last_modified.replace(microsecond=0) <= moment
