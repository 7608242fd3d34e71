"""The worker's HTTP side: feeds (unless --no-serve), `/metrics` and a worker-aware `/healthz`.

uvicorn runs in a background thread so that the main thread keeps the signal handlers
(uvicorn installs its own only when it runs in the main thread).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from feeds import MAX_CONNECTIONS
from newsledger.metrics import Metrics

log = logging.getLogger("newsledger.worker")

Health = Callable[[], tuple[bool, dict[str, Any]]]


def ops_app(*, metrics: Metrics, health: Health, feeds: Any | None = None) -> Starlette:
    """`/healthz` and `/metrics`, then the feed server's routes (when given) for the rest."""

    async def healthz(_request: Request) -> Response:
        ok, details = health()
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", **details}, status_code=200 if ok else 503
        )

    async def metrics_endpoint(_request: Request) -> Response:
        from newsledger.metrics import CONTENT_TYPE

        return Response(metrics.exposition(), media_type=CONTENT_TYPE)

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET", "HEAD"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
    ]
    if feeds is not None:
        routes.append(Mount("/", app=feeds))
    return Starlette(routes=routes)


class BackgroundServer:
    """uvicorn serving one ASGI app from a daemon thread, stopped on request."""

    def __init__(self, app: Any, *, host: str, port: int) -> None:
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_config=None,  # our handlers, our format
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
            limit_concurrency=MAX_CONNECTIONS,
        )
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, name="http", daemon=True)
        self.host = host
        self.port = port

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive():
                raise OSError(f"could not serve on {self.host}:{self.port} (see the log above)")
            if time.monotonic() > deadline:
                raise OSError(f"server on {self.host}:{self.port} did not start in {timeout:.0f}s")
            time.sleep(0.02)
        log.info("serving", extra={"url": f"http://{self.host}:{self.port}/"})

    def request_stop(self) -> None:
        self.server.should_exit = True

    def stop(self, timeout: float = 3.0) -> None:
        self.request_stop()
        self._thread.join(timeout)
