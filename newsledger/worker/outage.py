"""The database going away, as the worker sees it: consecutive failures, the error to show
on `/healthz`, and how long to wait before trying again."""

from __future__ import annotations

import logging
import random
import threading

from newsledger.metrics import Metrics
from newsledger.worker.settings import WorkerSettings

log = logging.getLogger("newsledger.worker")


class StoreOutage:
    """Counts consecutive store failures (thread-safe); `error` is None while it answers."""

    def __init__(self, settings: WorkerSettings, metrics: Metrics) -> None:
        self.settings = settings
        self._metrics = metrics
        self._lock = threading.Lock()
        self._failures = 0
        self.error: str | None = None

    def down(self, exc: Exception, *, source_id: str | None) -> float:
        """Record a failure; returns the seconds to wait before retrying."""
        with self._lock:
            self._failures += 1
            failures = self._failures
        self.error = str(exc)
        self._metrics.store_unavailable.inc()
        delay = self.settings.store_backoff.delay(failures, random.random())
        # One line when the store goes down (and when it comes back), not one per retry.
        log.log(
            logging.WARNING if failures == 1 else logging.DEBUG,
            "database unavailable; will retry",
            extra={"source_id": source_id, "error": str(exc), "retry_in_s": round(delay, 1)},
        )
        return delay

    def up(self) -> None:
        """The store answered: end the outage (logged once)."""
        if self._failures:
            log.info("database reachable again", extra={"after_failures": self._failures})
        self._failures = 0
        self.error = None
