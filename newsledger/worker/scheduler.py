"""The scheduled worker: one APScheduler job per source, leases for replicas, then publishing.

The story of one poll (`Worker.poll`): hold the source's lease (or leave it to the
replica that does), poll it through `ingest`, count what it appended, and ask the
publisher to republish. APScheduler 3.x cannot share a job store between processes, so
every replica schedules every source; the lease decides who polls it (DESIGN.md, "Scale").
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.triggers.interval import IntervalTrigger

from ingest import ConcurrencyBudget, SourceConfig
from newsledger.app import App
from newsledger.metrics import Metrics
from newsledger.publishing import PublishResult
from newsledger.worker.hosts import HostShares
from newsledger.worker.jobs import (
    host_turn,
    new_scheduler,
    retry_later,
    retry_when_due,
    schedule_source,
)
from newsledger.worker.observe import observe_poll
from newsledger.worker.outage import StoreOutage
from newsledger.worker.poll_bridge import IngestPoller, PollReport, SourcePoller
from newsledger.worker.projecting import Projecting, builds
from newsledger.worker.publish_loop import Publisher
from newsledger.worker.settings import WorkerSettings
from newsledger.worker.sharing import SourceSharing
from store import StoreUnavailableError

log = logging.getLogger("newsledger.worker")


class Worker:
    """Polls the configured sources on schedule; one per process."""

    def __init__(
        self,
        app: App,
        settings: WorkerSettings,
        *,
        metrics: Metrics | None = None,
        poller_factory: Callable[[App], SourcePoller] | None = None,
    ) -> None:
        self.app = app
        self.settings = settings
        self.metrics = metrics or Metrics()
        self._poller_factory = poller_factory or IngestPoller
        self.poller = self._poller_factory(app)
        self.sharing = SourceSharing(
            app.store, replica_id=settings.replica_id, ttl=settings.lease_ttl
        )
        self.publisher = Publisher(
            self._publish_once, metrics=self.metrics, backoff=settings.publish_backoff
        )
        self.projecting = Projecting(app, settings)
        self._lock = threading.Lock()
        self._inflight: set[str] = set()
        self.hosts = HostShares(max(2, self.concurrency() // 2))  # threads per host
        self._stopping = threading.Event()
        self.outage = StoreOutage(settings, self.metrics)
        self.started_at: float | None = None
        self.scheduler = new_scheduler(
            threads=self.concurrency(), misfire_grace=settings.misfire_grace
        )

    # -- the sources -----------------------------------------------------------------

    def sources(self) -> list[SourceConfig]:
        return [s for s in self.app.ingest_config.sources if s.enabled]

    def concurrency(self) -> int:
        """Polls at once (see ingest.budget for how this stacks with requests and work)."""
        budget = ConcurrencyBudget(
            requests=self.app.ingest_config.fetch.concurrency, polls=self.settings.concurrency
        )
        return budget.poll_threads

    # -- one poll --------------------------------------------------------------------

    def poll(self, source_id: str, *, host_slot: str | None = None) -> PollReport | None:
        """Poll one source now if this replica may; None when it was left to another.

        `host_slot` is the host whose thread slot this poll was handed (`_leave`).
        """
        source = self.app.ingest_config.source(source_id)
        host = host_slot if host_slot is not None else self.hosts.host(source)
        with self._lock:  # nor while its host holds its share of the threads (hosts.py)
            if host_slot is not None:
                self.hosts.turn_taken(source_id)
            skip = self._stopping.is_set() or source_id in self._inflight
            if not skip and host_slot is None and not self.hosts.enter(host, source_id):
                log.debug("host busy: poll queued", extra={"source_id": source_id})
                return None
            if not skip:
                self._inflight.add(source_id)
        if skip:
            if host_slot is not None:
                self._leave(host_slot)
            return None
        try:
            return self._poll(source_id)
        finally:
            with self._lock:
                self._inflight.discard(source_id)
            self._leave(host)

    def _leave(self, host: str | None) -> None:
        """Give back a slot of `host`, to the oldest poll queued for it if there is one."""
        if host is not None:  # a folder takes no slot
            self.hosts.pass_on(host, lambda source_id: self._take_turn(source_id, host))

    def _take_turn(self, source_id: str, host: str) -> bool:
        if self._stopping.is_set() or not self.scheduler.running:
            return False
        # A turn added while `stop` shuts the scheduler down may never run, and its slot
        # stays taken: harmless, as a stopped worker never polls again.
        try:
            host_turn(self.scheduler, self.poll, source_id, host)
        except Exception:  # a job the scheduler refused: pass the slot on
            log.debug("host turn not scheduled", extra={"source_id": source_id}, exc_info=True)
            return False
        return True

    def _poll(self, source_id: str) -> PollReport | None:
        source = self.app.ingest_config.source(source_id)
        if source is None or not source.enabled:
            return None
        started = time.perf_counter()
        try:
            claimed = self.sharing.claim(source_id, sources=len(self.sources()))
            if claimed is None:
                log.debug("source leased by another replica", extra={"source_id": source_id})
                return None
            if claimed == "taken":
                # Another replica may have polled it since this one last did: what this
                # process remembers of it (failures, validators) is out of date.
                self.poller.forget(source_id)
            report = self.poller.poll(source)
        except StoreUnavailableError as exc:
            self._store_down(exc, retry=source_id)
            self.metrics.fetches.labels(outcome="error").inc()
            return None
        except Exception as exc:
            # A bug or an unexpected input must cost one poll of one source, not the worker.
            self.metrics.fetches.labels(outcome="error").inc()
            log.exception("poll crashed", extra={"source_id": source_id, "error": str(exc)})
            return None
        self.outage.up()
        observe_poll(self.metrics, report, kind=source.kind, seconds=time.perf_counter() - started)
        if report.appended:
            self.publisher.request()
        retrying = report.outcome.startswith("failed") or report.outcome == "deferred"
        if retrying and report.retry_at and not self._stopping.is_set():
            # The log and `status` say "retry at …": a first failure of an hourly feed
            # backs off a minute, then polls again, not an hour later. So does a poll
            # deferred by that back-off (the first after a restart) or by a Retry-After.
            retry_when_due(self.scheduler, self.poll, source_id, report.retry_at)
        return report

    # -- the database going away -----------------------------------------------------

    def _store_down(self, exc: Exception, *, retry: str | None) -> None:
        delay = self.outage.down(exc, source_id=retry)
        if retry is not None and self.scheduler.running and not self._stopping.is_set():
            retry_later(self.scheduler, self.poll, retry, delay)  # on the store's back-off

    @property
    def store_error(self) -> str | None:
        """The database's last error while it is unreachable, else None."""
        return self.outage.error

    # -- publishing ------------------------------------------------------------------

    def _publish_once(self) -> PublishResult:
        runner = self.app.runner
        result = self.projecting.publish(runner, self.app.feeds_config)
        self.metrics.record_lag({name: runner.lag(name) for name in runner.projections})
        return result

    # -- scheduling ------------------------------------------------------------------

    def start(self) -> None:
        """Schedule every enabled source and start polling in background threads."""
        self.started_at = time.time()
        self._schedule(self.sources())
        heartbeat = max(0.5, self.settings.lease_ttl / 3)
        self.scheduler.add_job(
            self.heartbeat,
            IntervalTrigger(seconds=heartbeat, timezone=UTC),
            id="heartbeat",
            executor="heartbeat",
            next_run_time=datetime.now(UTC),
        )
        self.projecting.start()
        self.publisher.start()
        self.scheduler.start()
        # Feeds from what is already in the log, before the first poll lands.
        self.publisher.request()
        log.info(
            "worker started",
            extra={
                "replica_id": self.settings.replica_id,
                "sources": len(self.sources()),
                "concurrency": self.concurrency(),
            },
        )

    def _schedule(self, sources: list[SourceConfig]) -> None:
        for source in sources:
            jitter = self.settings.jitter_for(source.interval)
            schedule_source(
                self.scheduler, self.poll, source, stagger=self.settings.stagger, jitter=jitter
            )
        self.metrics.sources.set(len(self.sources()))

    def heartbeat(self) -> None:
        """Renew this replica's leases and membership; give back sources beyond a fair share."""
        with self._lock:
            busy = set(self._inflight)
        try:
            held = self.sharing.heartbeat(sources=len(self.sources()), busy=busy)
        except StoreUnavailableError as exc:
            self._store_down(exc, retry=None)
            return
        self.metrics.leases_held.set(len(held))
        self.outage.up()

    def interrupt(self) -> None:
        """Start no further polls (those under way finish); for `--once` on a signal."""
        self._stopping.set()

    def stop(self) -> bool:
        """Stop polling; wait for polls under way up to the grace period. True if all ended."""
        self._stopping.set()
        self.projecting.closing.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        deadline = time.monotonic() + self.settings.shutdown_grace
        while time.monotonic() < deadline:
            with self._lock:
                if not self._inflight:
                    break
            time.sleep(0.05)
        with self._lock:
            unfinished = sorted(self._inflight)
        published = self.publisher.stop(max(0.1, deadline - time.monotonic()))
        self.projecting.stop(max(0.5, deadline - time.monotonic()))
        # Give the sources back so other replicas take over at once; a database that does
        # not answer within a second gets no say (the leases then simply expire).
        releasing = threading.Thread(target=self._release_quietly, daemon=True)
        releasing.start()
        releasing.join(1.0)
        if unfinished:
            log.warning("polls still running at shutdown", extra={"sources": unfinished})
        else:
            self.poller.close()
        if not published:
            log.warning("publishing still running at shutdown; it is rolled back")
        log.info("worker stopped", extra={"replica_id": self.settings.replica_id})
        return not unfinished and published and not releasing.is_alive()

    def _release_quietly(self) -> None:
        with contextlib.suppress(StoreUnavailableError):
            self.sharing.release()

    def reschedule(self, app: App, settings: WorkerSettings) -> None:
        """Switch to a new configuration: add, change and remove source jobs."""
        old = {s.id: s for s in self.sources()}
        old_poller = self.poller
        self.poller = self._poller_factory(app)
        self.app = app
        self.settings = settings
        self.sharing.set_ttl(settings.lease_ttl)
        self.outage.settings = settings
        old_poller.close()
        # The projections are built from the configuration: a new process for new rules.
        if builds(app, settings) != self.projecting.builds:
            old_projecting, self.projecting = self.projecting, Projecting(app, settings)
            old_projecting.stop()
        if self.scheduler.running:
            self.projecting.start()
            # The feeds of the new configuration (rules, topics, titles) without waiting for
            # a new article: a view built with other rules is rebuilt first.
            self.publisher.request()
        new = {s.id: s for s in self.sources()}
        for gone in sorted(set(old) - set(new)):
            self.scheduler.remove_job(f"source:{gone}")
        self.sharing.release(set(old) - set(new))
        self._schedule([s for s in new.values() if old.get(s.id) != s])
