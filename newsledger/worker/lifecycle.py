"""The worker process around the scheduler: signals, waiting for the database, reloading
the configuration, and what `/healthz` says."""

from __future__ import annotations

import logging
import random
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from types import FrameType
from typing import Any

from newsledger.app import App
from newsledger.worker.poll_bridge import PollReport
from newsledger.worker.scheduler import Worker
from newsledger.worker.settings import WorkerSettings, parse_worker_settings
from store import StoreUnavailableError

log = logging.getLogger("newsledger.worker")

#: Names of the stop signals received, for the "stopping" log line.
received: list[str] = []


def install_signals(stop: threading.Event, reload_wanted: threading.Event) -> None:
    """SIGTERM/SIGINT set `stop`, SIGHUP sets `reload_wanted`; the main loop acts on them."""

    # Handlers only set events (logging from a signal handler can interleave with a line
    # being written).
    def on_stop(signum: int, _frame: FrameType | None) -> None:
        if not stop.is_set():
            received.append(signal.Signals(signum).name)
            stop.set()

    def on_hup(_signum: int, _frame: FrameType | None) -> None:
        reload_wanted.set()

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, on_hup)


def wait_for_store(app: App, settings: WorkerSettings, stop: threading.Event) -> bool:
    """Open the store, retrying with back-off while the database is not reachable yet."""
    failures = 0
    while True:
        try:
            app.store  # noqa: B018 - connects and migrates
            return True
        except StoreUnavailableError as exc:
            failures += 1
            delay = settings.store_backoff.delay(failures, random.random())
            log.warning(
                "database unavailable; retrying",
                extra={"error": str(exc), "retry_in_s": round(delay, 1)},
            )
        if stop.wait(delay):
            return False


def reload(worker: Worker) -> None:
    """Re-read the configuration; a broken file keeps the old configuration running."""
    old = worker.app
    try:
        new = old.reloaded()
        settings = parse_worker_settings(new.settings.raw, file=new.settings.name)
        new.ingest_config  # noqa: B018 - validate before switching
        new.feeds_config  # noqa: B018
    except Exception as exc:
        log.error(
            "configuration reload failed; keeping the old configuration",
            extra={"error": str(exc)},
        )
        return
    if new.settings.store_url != old.settings.store_url:
        log.warning("the store URL changed: restart the worker to use it; keeping the old store")
    # A replica keeps its id (and its leases) across reloads.
    previous = worker.settings
    try:
        worker.reschedule(new, replace(settings, replica_id=previous.replica_id))
    except Exception as exc:  # whatever the scheduler refused: back to what ran before
        log.error(
            "configuration reload failed; keeping the old configuration",
            extra={"error": f"{type(exc).__name__}: {exc}"},
        )
        worker.reschedule(old, previous)
        return
    log.info("configuration reloaded", extra={"sources": len(worker.sources())})


def run_once(worker: Worker) -> list[PollReport]:
    """`--once`: poll every due enabled source once, publish, and return the reports."""
    try:
        worker.projecting.start()  # a long folder poll is projected as it appends
        due = worker.poller.due(worker.sources())
        worker.hosts.share = max(worker.hosts.share, len(due))  # --once polls every due one
        with ThreadPoolExecutor(worker.concurrency(), thread_name_prefix="poll") as pool:
            results = list(pool.map(lambda s: worker.poll(s.id), due))
        reports = [r for r in results if r is not None]
        if worker.store_error is not None:
            # Cron must see it: what was polled is safe, what was not is polled next time.
            raise StoreUnavailableError(worker.store_error)
        worker.publisher.publish_now()
        worker.sharing.release()
    finally:
        worker.poller.close()
        worker.projecting.stop()
    return reports


def supervise(worker: Worker, stop: threading.Event, reload_wanted: threading.Event) -> int:
    """Run until `stop`: 0. A scheduler that died (or a reload that broke it) is 1, so
    that the process exits non-zero and a supervisor restarts it, instead of hanging."""
    while not stop.wait(0.2):
        if reload_wanted.is_set():
            reload_wanted.clear()
            try:
                reload(worker)
            except Exception:
                log.exception("reloading broke the worker")
                return 1
        if not worker.scheduler.running:
            log.error("the scheduler stopped; exiting")
            return 1
    return 0


def health(worker: Worker) -> tuple[bool, dict[str, Any]]:
    """Healthy while the scheduler runs and the database answers; details for `/healthz`."""
    running = bool(worker.scheduler.running)
    details: dict[str, Any] = {
        "replica_id": worker.settings.replica_id,
        "scheduler": "running" if running else "stopped",
        "store": "unavailable" if worker.store_error else "ok",
        "sources": len(worker.sources()),
        "uptime_s": round(time.time() - worker.started_at, 1) if worker.started_at else 0.0,
    }
    if worker.store_error:
        # Running but unable to store anything (a lost database, a full disk): say why.
        details["status"] = "degraded" if running else "unavailable"
        details["reason"] = details["error"] = worker.store_error
    if worker.publisher.last_error:
        # Still serving what was published, but the feeds stopped moving: "ok" hid that.
        details.setdefault("status", "degraded")
        details["publish_error"] = worker.publisher.last_error
    if worker.sharing.duplicate:
        # Working, but another process polls under the same replica id (docs/worker.md).
        details.setdefault("status", "degraded")
        details["duplicate_replica"] = worker.sharing.duplicate
    return running and not worker.store_error, details
