"""Serving the published folder over HTTP (Starlette under uvicorn) with validators and 304s.

The app reads only the files `publish_all` wrote, never the database: any number of web
replicas can serve one folder (or a copy of it), and a CDN could serve it as static files.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any, BinaryIO

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from feeds.config import FeedsConfig
from feeds.files import MANIFEST
from feeds.site import CSP

log = logging.getLogger(__name__)

ATOM = "application/atom+xml; charset=utf-8"
OPML = "text/x-opml; charset=utf-8"
HTML = "text/html; charset=utf-8"
JSON_FEED = "application/feed+json; charset=utf-8"
_ARTICLE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")  # never a path: no dots, no slashes
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


#: Connections served at once; beyond it uvicorn answers 503 at once rather than queueing.
MAX_CONNECTIONS = 512
#: Bytes sent per write: a slow reader holds at most about this much of a file in memory.
CHUNK = 16 * 1024


@dataclass(frozen=True, slots=True)
class _File:
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
        self._files: dict[str, _File] = {}

    def get(self, rel: str) -> _File | None:
        path = self.root / rel
        try:
            st = os.stat(path)
        except OSError:
            self._files.pop(rel, None)
            return None
        return self._validators(rel, path, st, None)

    def open(self, rel: str) -> tuple[_File, BinaryIO] | None:
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
    ) -> _File:
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
        entry = _File(path, key, st.st_size, '"' + digest.hexdigest()[:32] + '"', modified)
        self._files[rel] = entry
        return entry


class _FileResponse(Response):
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


def create_app(
    config: FeedsConfig,
    *,
    refresh: Callable[[], Any] | None = None,
    refresh_seconds: float = 0,
) -> Starlette:
    """The feeds web app; `refresh` (e.g. catch up + publish) runs every `refresh_seconds`."""
    cache = FileCache(config.output_dir)
    topics = {t.id for t in config.topics}
    cache_control = f"public, max-age={config.cache_seconds}"

    def newest_feed() -> datetime:
        times = [f.last_modified for t in config.topics if (f := cache.get(f"feeds/{t.id}.atom"))]
        return max(times, default=_EPOCH)

    def send(
        request: Request, rel: str, media_type: str, modified: datetime | None = None
    ) -> Response:
        opened = cache.open(rel)
        if opened is None:
            return PlainTextResponse("not published yet\n", status_code=503)
        file, handle = opened
        last_modified = modified or file.last_modified
        headers = {
            "ETag": file.etag,
            "Last-Modified": format_datetime(last_modified.astimezone(UTC), usegmt=True),
            "Cache-Control": cache_control,
            "X-Content-Type-Options": "nosniff",
        }
        if media_type == HTML:
            headers["Content-Security-Policy"] = CSP
            headers["Referrer-Policy"] = "no-referrer"
        if _not_modified(request, file.etag, last_modified):
            handle.close()
            return Response(status_code=304, headers=headers)
        head = request.method == "HEAD"
        return _FileResponse(handle, file.size, media_type=media_type, headers=headers, head=head)

    async def feed(request: Request) -> Response:
        topic = request.path_params["topic"]
        if topic not in topics:
            return PlainTextResponse("no such topic\n", status_code=404)
        return send(request, f"feeds/{topic}.atom", ATOM)

    async def json_feed(request: Request) -> Response:
        topic = request.path_params["topic"]
        if topic not in topics:
            return PlainTextResponse("no such topic\n", status_code=404)
        return send(request, f"feeds/{topic}.json", JSON_FEED)

    async def article(request: Request) -> Response:
        article_id = request.path_params["article"].removesuffix(".html")
        rel = f"articles/{article_id}.html"
        if not _ARTICLE_ID.match(article_id) or cache.get(rel) is None:
            return PlainTextResponse("no such article\n", status_code=404)
        return send(request, rel, HTML)

    async def story(request: Request) -> Response:
        story_id = request.path_params["story"].removesuffix(".html")
        rel = f"stories/{story_id}.html"
        if not _ARTICLE_ID.match(story_id) or cache.get(rel) is None:
            return PlainTextResponse("no such story\n", status_code=404)
        return send(request, rel, HTML)

    async def archive(request: Request) -> Response:
        topic, page = request.path_params["topic"], request.path_params["page"]
        # The page number as text: Starlette's int converter answers 500 to 50,000 digits.
        if (
            topic not in topics
            or not (page.isascii() and page.isdigit() and len(page) <= 9 and int(page) >= 1)
            or cache.get(f"feeds/{topic}/archive/{page}.atom") is None
        ):
            return PlainTextResponse("no such archive page\n", status_code=404)
        return send(request, f"feeds/{topic}/archive/{page}.atom", ATOM)

    async def opml(request: Request) -> Response:
        return send(request, "feeds.opml", OPML, newest_feed())

    async def index(request: Request) -> Response:
        return send(request, "index.html", HTML, newest_feed())

    async def healthz(request: Request) -> Response:
        published = (config.output_dir / MANIFEST).is_file()
        body = {"status": "ok" if published else "not published", "topics": len(topics)}
        return JSONResponse(body, status_code=200 if published else 503)

    async def not_found(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("not found\n", status_code=404)

    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("request failed", extra={"path": request.url.path})
        return PlainTextResponse("internal error\n", status_code=500)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = None
        if refresh is not None and refresh_seconds > 0:
            task = asyncio.create_task(_refresh_loop(refresh, refresh_seconds))
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    methods = ["GET", "HEAD"]
    return Starlette(
        routes=[
            Route("/", index, methods=methods),
            Route("/feeds.opml", opml, methods=methods),
            Route("/feeds/{topic}.atom", feed, methods=methods),
            Route("/feeds/{topic}.json", json_feed, methods=methods),
            Route("/articles/{article}", article, methods=methods),
            Route("/stories/{story}", story, methods=methods),
            Route("/feeds/{topic}/archive/{page}.atom", archive, methods=methods),
            Route("/healthz", healthz, methods=methods),
        ],
        exception_handlers={404: not_found, 500: server_error},
        lifespan=lifespan,
    )


def _not_modified(request: Request, etag: str, last_modified: datetime) -> bool:
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


async def _refresh_loop(refresh: Callable[[], Any], seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await asyncio.to_thread(refresh)
        except Exception:  # keep serving what was published last; the log says why
            log.exception("refreshing the feeds failed")


def make_server(config: FeedsConfig, app: Starlette, *, host: str | None = None,
                port: int | None = None, log_level: str = "info") -> uvicorn.Server:  # fmt: skip
    """A uvicorn server for `app` (run with `.run()`, or `await .serve()` inside a loop)."""
    settings = uvicorn.Config(
        app,
        host=host or config.host,
        port=config.port if port is None else port,
        log_level=log_level,
        log_config=None,  # the application's own logging set-up formats uvicorn's records
        access_log=False,
        proxy_headers=True,
        server_header=False,
        limit_concurrency=MAX_CONNECTIONS,
    )
    return uvicorn.Server(settings)
