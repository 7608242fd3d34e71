"""Serving the published folder over HTTP (Starlette under uvicorn) with validators and 304s.

The app reads only the files `publish_all` wrote, never the database: any number of web
replicas can serve one folder (or a copy of it), and a CDN could serve it as static files.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC
from email.utils import format_datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from feeds.config import FeedsConfig
from feeds.files import MANIFEST, PAGE_ID
from feeds.responses import FileCache, FileResponse, not_modified
from feeds.site import CSP

log = logging.getLogger(__name__)

ATOM = "application/atom+xml; charset=utf-8"
OPML = "text/x-opml; charset=utf-8"
HTML = "text/html; charset=utf-8"
JSON_FEED = "application/feed+json; charset=utf-8"


#: Connections served at once; beyond it uvicorn answers 503 at once rather than queueing.
MAX_CONNECTIONS = 512


def create_app(
    config: FeedsConfig,
    *,
    refresh: Callable[[], Any] | None = None,
    refresh_seconds: float = 0,
) -> Starlette:
    """The feeds web app; `refresh` (e.g. catch up + publish) runs every `refresh_seconds`."""
    site = _Site(config)
    methods = ["GET", "HEAD"]
    routes: list[BaseRoute] = [
        Route("/", site.index, methods=methods),
        Route("/feeds.opml", site.opml, methods=methods),
        Route("/feeds/{topic}.atom", site.topic_file(".atom", ATOM), methods=methods),
        Route("/feeds/{topic}.json", site.topic_file(".json", JSON_FEED), methods=methods),
        Route("/articles/{page}", site.page("articles", "article"), methods=methods),
        Route("/stories/{page}", site.page("stories", "story"), methods=methods),
        Route("/feeds/{topic}/archive/{page}.atom", site.archive, methods=methods),
        Route("/healthz", site.healthz, methods=methods),
    ]
    # A base URL with a path (`https://example.org/news/`) is where the links point: the
    # files are served there too, so `serve` works without a proxy that strips the prefix
    # (and still at the root, for one that does).
    # Decoded, as the router matches paths ("/my%20news" is served at "/my news").
    prefix = unquote(urlsplit(config.base_url).path).rstrip("/")
    if prefix:
        routes.append(Route(prefix, site.index, methods=methods))
        routes.append(Mount(prefix, routes=list(routes[:-1])))
    app = Starlette(
        routes=routes,
        exception_handlers={404: _not_found, 500: _server_error},
        lifespan=_refreshing(refresh, refresh_seconds),
    )
    # Starlette answers a path with a slash too many or too few by a redirect built from the
    # request's Host header: any Host a client sends came back as the Location. Every path
    # here is exact: such a path is a 404.
    app.router.redirect_slashes = False
    return app


Handler = Callable[[Request], Awaitable[Response]]


class _Site:
    """The request handlers: each maps a path to one published file, or to a 404."""

    def __init__(self, config: FeedsConfig) -> None:
        self.config = config
        self.cache = FileCache(config.output_dir)
        self.topics = {t.id for t in config.topics}
        self.cache_control = f"public, max-age={config.cache_seconds}"

    def send(self, request: Request, rel: str, media_type: str) -> Response:
        opened = self.cache.open(rel)
        if opened is None:
            return PlainTextResponse("not published yet\n", status_code=503)
        file, handle = opened
        last_modified = file.last_modified
        headers = {
            "ETag": file.etag,
            "Last-Modified": format_datetime(last_modified.astimezone(UTC), usegmt=True),
            "Cache-Control": self.cache_control,
            "X-Content-Type-Options": "nosniff",
        }
        if media_type == HTML:
            headers["Content-Security-Policy"] = CSP
            headers["Referrer-Policy"] = "no-referrer"
        if not_modified(request, file.etag, last_modified):
            handle.close()
            return Response(status_code=304, headers=headers)
        head = request.method == "HEAD"
        return FileResponse(handle, file.size, media_type=media_type, headers=headers, head=head)

    def topic_file(self, suffix: str, media_type: str) -> Handler:
        """A topic's current feed document in one format (Atom, JSON Feed)."""

        async def handler(request: Request) -> Response:
            topic = request.path_params["topic"]
            if topic not in self.topics:
                return PlainTextResponse("no such topic\n", status_code=404)
            return self.send(request, f"feeds/{topic}{suffix}", media_type)

        return handler

    def page(self, folder: str, what: str) -> Handler:
        """The published HTML pages of one folder (articles, stories)."""

        async def handler(request: Request) -> Response:
            page_id = request.path_params["page"].removesuffix(".html")
            rel = f"{folder}/{page_id}.html"
            if not PAGE_ID.fullmatch(page_id) or self.cache.get(rel) is None:
                return PlainTextResponse(f"no such {what}\n", status_code=404)
            return self.send(request, rel, HTML)

        return handler

    async def archive(self, request: Request) -> Response:
        topic, page = request.path_params["topic"], request.path_params["page"]
        # The page number as text: Starlette's int converter answers 500 to 50,000 digits.
        if (
            topic not in self.topics
            or not (page.isascii() and page.isdigit() and len(page) <= 9 and int(page) >= 1)
            or self.cache.get(f"feeds/{topic}/archive/{page}.atom") is None
        ):
            return PlainTextResponse("no such archive page\n", status_code=404)
        return self.send(request, f"feeds/{topic}/archive/{page}.atom", ATOM)

    async def opml(self, request: Request) -> Response:
        # Their own files' times: the newest topic feed's (as before) went back when that
        # topic was removed, and a client that sent If-Modified-Since got 304 for new bytes.
        return self.send(request, "feeds.opml", OPML)

    async def index(self, request: Request) -> Response:
        return self.send(request, "index.html", HTML)

    async def healthz(self, request: Request) -> Response:
        published = (self.config.output_dir / MANIFEST).is_file()
        body = {"status": "ok" if published else "not published", "topics": len(self.topics)}
        return JSONResponse(body, status_code=200 if published else 503)


async def _not_found(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("not found\n", status_code=404)


async def _server_error(request: Request, exc: Exception) -> Response:
    log.exception("request failed", extra={"path": request.url.path})
    return PlainTextResponse("internal error\n", status_code=500)


def _refreshing(
    refresh: Callable[[], Any] | None, seconds: float
) -> Callable[[Starlette], contextlib.AbstractAsyncContextManager[None]]:
    """The app's lifespan: runs `refresh` every `seconds` while serving, if both are given."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = None
        if refresh is not None and seconds > 0:
            task = asyncio.create_task(_refresh_loop(refresh, seconds))
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    return lifespan


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
