"""The worker's side of its projection process (store/follow.py): start it, wait for it
before publishing, replace it when it died or the configuration changed, stop it last."""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import replace

from feeds import FeedsConfig
from newsledger.app import App, projection_runner
from newsledger.publishing import PublishResult, catch_up_and_publish
from newsledger.worker.publish_loop import PublishCancelled
from newsledger.worker.settings import WorkerSettings
from store import ProjectionRunner
from store.follow import ProjectionProcess, ProjectionProcessGone

log = logging.getLogger("newsledger.worker")


class Projecting:
    """The projection process of one configuration, or nothing when `[worker]
    projection_process` is off, or the store is an in-memory SQLite database (the
    publisher's catch-up then does all the work)."""

    def __init__(self, app: App, settings: WorkerSettings) -> None:
        self.process: ProjectionProcess | None = None
        self.builds = builds(app, settings)
        if settings.projects_in_a_process(shared=app.store.is_shared):
            # The store the worker has open: a reload keeps it even if the file names
            # another (restart to switch), and the child must follow the same log.
            url = app.store.engine.url.render_as_string(hide_password=False)
            same = replace(app.settings, store_url=url)
            self.process = ProjectionProcess(functools.partial(projection_runner, same))
        # Set by the worker's stop (not by --once's interrupt, whose polls still publish).
        self.closing = threading.Event()

    def start(self) -> None:
        if self.process is not None:
            self.process.start()

    def stop(self, timeout: float = 5.0) -> None:
        """After the batch it is applying: one transaction, so nothing is left half-done."""
        if self.process is not None:
            self.process.stop(timeout)

    def wait_through(self, head: int) -> dict[str, int] | None:
        """Wait for the projection process to apply the log up to `head`; the events it
        applied, or None when there is no process or it is gone (then the worker catches
        up itself, and a new process is started unless this one was stopped: a reload
        replaced it)."""
        process = self.process
        if process is None:
            return None
        try:
            return process.wait_through(head, cancel=self.closing)
        except ProjectionProcessGone as exc:
            if self.closing.is_set():
                raise PublishCancelled from exc
            if not process.stopped:  # a reload's stop: the new process takes over
                log.warning(
                    "projection process gone; catching up here and starting it again",
                    extra={"error": str(exc)},
                )
                try:
                    process.start()
                except Exception as failed:  # no process (no memory, no descriptors): later
                    log.warning("projection process not started", extra={"error": str(failed)})
            return None

    def publish(self, runner: ProjectionRunner, config: FeedsConfig) -> PublishResult:
        """Wait for the projection process to reach the head (without one, catch up here)
        and republish the feeds that changed."""
        applied = self.wait_through(runner.store.head())
        if applied is None:
            # Standing in for a projection process that died, this process does not rebuild
            # a view built with other rules: the view's own process may have rebuilt it with
            # another replica's newer ones (store/fingerprints.py); a new process will.
            return catch_up_and_publish(runner, config, rebuild=self.process is None)
        # The child has applied the log up to the head: publish what it built. Catching up
        # here too would apply what polls appended meanwhile with this process's own
        # grouper, which then reloads from the tables, and the child's after it.
        result = catch_up_and_publish(runner, config, catch_up=False)
        return replace(result, applied=applied)


def builds(app: App, settings: WorkerSettings) -> tuple[bool, dict[str, str | None]]:
    """What a projection process of `app` and `settings` would do: whether there is one,
    and the digest of each view it extends (store/fingerprints.py: the rules, thresholds
    and deriving code, all that its rows depend on). A reload that leaves this as it was
    (a source added, an interval changed) keeps the running process, which may be an hour
    into rebuilding a view: stopped, it started the rebuild over."""
    return settings.projects_in_a_process(shared=app.store.is_shared), app.runner.fingerprints.own
