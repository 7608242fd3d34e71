"""The publishing loop: after ingests, catch projections up and republish changed feeds.

Polls ask for a publish; one thread answers, so a burst of a hundred polls costs a few
catch-ups, not a hundred, and no two catch-ups of this process race each other.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from ingest import Backoff
from newsledger.metrics import Metrics
from newsledger.publishing import PublishResult
from store import StoreUnavailableError

log = logging.getLogger("newsledger.worker")


class PublishCancelled(Exception):
    """The worker is stopping while a publish waited for the projections: end quietly."""


class Publisher:
    """Runs `publish_once` on request, coalescing requests that arrive while it works."""

    def __init__(
        self,
        publish_once: Callable[[], PublishResult],
        *,
        metrics: Metrics,
        backoff: Backoff,
    ) -> None:
        self._publish_once = publish_once
        self._metrics = metrics
        self._backoff = backoff
        self._wanted = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="publisher", daemon=True)
        self.last: PublishResult | None = None
        self.last_error: str | None = None

    def start(self) -> None:
        self._thread.start()

    def request(self) -> None:
        self._wanted.set()

    def stop(self, timeout: float) -> bool:
        """Finish the publish under way (if any) and stop; False if it is still running."""
        self._stopping.set()
        self._wanted.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def publish_now(self) -> PublishResult:
        """Publish in the calling thread (for `--once`); raises what publishing raises."""
        result = self._publish_once()
        self._record(result)
        return result

    def _loop(self) -> None:
        failures = 0
        while True:
            self._wanted.wait()
            if self._stopping.is_set():
                return
            self._wanted.clear()
            try:
                self._record(self._publish_once())
                failures = 0
            except PublishCancelled:
                return
            except Exception as exc:
                failures += 1
                delay = self._backoff.delay(failures)
                # Keep serving what was published last and try again: a database outage
                # (or a full disk) must not leave the feeds stale until the next new article.
                self.last_error = str(exc)
                if isinstance(exc, StoreUnavailableError):
                    self._metrics.store_unavailable.inc()
                    log.log(
                        logging.WARNING if failures == 1 else logging.DEBUG,  # once per outage
                        "database unavailable while publishing; will retry",
                        extra={"error": str(exc), "retry_in_s": delay},
                    )
                else:
                    log.log(
                        logging.ERROR if failures == 1 else logging.DEBUG,
                        "publishing failed; will retry",
                        exc_info=failures == 1,  # the traceback once, not on every retry
                        extra={"error": str(exc), "retry_in_s": delay},
                    )
                self._wanted.set()
                if self._stopping.wait(delay):
                    return

    def _record(self, result: PublishResult) -> None:
        self.last = result
        self.last_error = None
        self._metrics.feeds_published.inc(result.written)
        self._metrics.publish_seconds.observe(result.seconds)
        applied = sum(result.applied.values())
        log.info(
            "feeds published" if result.written else "projections caught up",
            extra={
                "events_applied": applied,
                "feeds_written": result.written,
                "through": result.through,
                "duration_ms": round(result.seconds * 1000, 1),
                "published_at": time.time(),
            },
        )
