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
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from feeds.config import FeedsConfig
from feeds.publisher import MANIFEST
from feeds.site import CSP

log = logging.getLogger(__name__)

ATOM = "application/atom+xml; charset=utf-8"
OPML = "text/x-opml; charset=utf-8"
HTML = "text/html; charset=utf-8"
JSON_FEED = "application/feed+json; charset=utf-8"
_ARTICLE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")  # never a path: no dots, no slashes
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class _File:
    body: bytes
    etag: str
    last_modified: datetime


class FileCache:
    """Published files with their validators, re-read only when the file on disk changes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: dict[str, tuple[tuple[int, int, int], _File]] = {}

    def get(self, rel: str) -> _File | None:
        path = self.root / rel
        try:
            st = os.stat(path)
        except OSError:
            self._files.pop(rel, None)
            return None
        key = (st.st_ino, st.st_mtime_ns, st.st_size)  # rename-replaced files get a new inode
        cached = self._files.get(rel)
        if cached is not None and cached[0] == key:
            return cached[1]
        try:
            body = path.read_bytes()
        except OSError:
            return None
        # Last-Modified is the file's mtime, which the publisher moves forward by at least a
        # whole second on every change. The document's own <updated> is the newest entry's
        # time and does not move when an older-dated article arrives: an If-Modified-Since
        # client would be told "304" for a feed that changed.
        modified = datetime.fromtimestamp(st.st_mtime_ns // 1_000_000_000, UTC)
        entry = _File(body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"', modified)
        self._files[rel] = (key, entry)
        return entry


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
        file = cache.get(rel)
        if file is None:
            return PlainTextResponse("not published yet\n", status_code=503)
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
            return Response(status_code=304, headers=headers)
        return Response(file.body, media_type=media_type, headers=headers)

    async def feed(request: Request) -> Response:
        topic = request.path_params["topic"]
        if topic not in topics:
            return PlainTextResponse(f"no topic {topic!r}\n", status_code=404)
        return send(request, f"feeds/{topic}.atom", ATOM)

    async def json_feed(request: Request) -> Response:
        topic = request.path_params["topic"]
        if topic not in topics:
            return PlainTextResponse(f"no topic {topic!r}\n", status_code=404)
        return send(request, f"feeds/{topic}.json", JSON_FEED)

    async def article(request: Request) -> Response:
        article_id = request.path_params["article"].removesuffix(".html")
        rel = f"articles/{article_id}.html"
        if not _ARTICLE_ID.match(article_id) or cache.get(rel) is None:
            return PlainTextResponse("no such article\n", status_code=404)
        return send(request, rel, HTML)

    async def archive(request: Request) -> Response:
        topic, page = request.path_params["topic"], request.path_params["page"]
        if (
            topic not in topics
            or page < 1
            or cache.get(f"feeds/{topic}/archive/{page}.atom") is None
        ):
            return PlainTextResponse(f"no archive page {page} of {topic!r}\n", status_code=404)
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
            Route("/feeds/{topic}/archive/{page:int}.atom", archive, methods=methods),
            Route("/healthz", healthz, methods=methods),
        ],
        exception_handlers={404: not_found, 500: server_error},
        lifespan=lifespan,
    )


def _not_modified(request: Request, etag: str, last_modified: datetime) -> bool:
    """RFC 9110 §13.2.2: If-None-Match wins; If-Modified-Since only without it."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or etag in tags
    since = request.headers.get("if-modified-since")
    if since is None:
        return False
    try:
        moment = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
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
    )
    return uvicorn.Server(settings)
