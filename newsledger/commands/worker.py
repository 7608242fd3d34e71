"""Commands that run the scheduled worker (`run`) and report how it is doing (`status`)."""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import sys
import threading
import time
from datetime import UTC, datetime
from types import FrameType
from typing import Any

import click

from newsledger.app import App
from newsledger.logs import configure_logging
from newsledger.metrics import Metrics
from newsledger.worker_config import WorkerSettings, parse_worker_settings
from newsledger.worker_status import Status, age, collect_status
from store import StoreUnavailableError

log = logging.getLogger("newsledger.worker")


@click.command("run")
@click.option(
    "--host", default=None, help="Address to serve on (default: [serve] host, else 127.0.0.1)."
)
@click.option(
    "--port", type=int, default=None, help="Port to serve on (default: [serve] port, else 8080)."
)
@click.option("--no-serve", is_flag=True, help="Only poll and publish; do not serve the feeds.")
@click.option("--once", is_flag=True, help="Poll every due source once, publish, and exit.")
@click.option(
    "--metrics-port",
    type=int,
    default=None,
    help="With --no-serve: serve /healthz and /metrics on this port.",
)
@click.pass_obj
def run(
    app: App,
    host: str | None,
    port: int | None,
    no_serve: bool,
    once: bool,
    metrics_port: int | None,
) -> None:
    """Poll the sources on schedule, keep the feeds published, and serve them."""
    from newsledger.worker import Worker
    from newsledger.worker_serve import BackgroundServer, ops_app

    try:
        configure_logging()
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    stop = threading.Event()
    reload_wanted = threading.Event()
    _install_signals(stop, reload_wanted)
    settings = parse_worker_settings(app.settings.raw, file=app.settings.name)
    app.ingest_config  # noqa: B018 - a broken configuration fails before anything starts
    app.feeds_config  # noqa: B018
    if not _wait_for_store(app, settings, stop):
        return
    worker = Worker(app, settings, metrics=Metrics())
    if once:
        # A signal skips the polls not started yet; what was polled is still published.
        def interrupt_on_signal() -> None:
            stop.wait()
            worker.interrupt()

        threading.Thread(target=interrupt_on_signal, daemon=True).start()
        reports = worker.run_once()
        for report in reports:
            counts = (
                ", ".join(f"{n} {t}" for t, n in sorted(report.events.items()) if n)
                or "nothing new"
            )
            click.echo(f"{report.source_id}: {report.outcome} ({counts})")
        return

    server: BackgroundServer | None = None
    serve_host, serve_port = _serve_address(app, host, port)
    if not no_serve or metrics_port is not None:
        feeds = None if no_serve else _feeds_asgi(app)
        http = ops_app(metrics=worker.metrics, health=lambda: _health(worker), feeds=feeds)
        server = BackgroundServer(
            http, host=serve_host, port=metrics_port if no_serve and metrics_port else serve_port
        )
        try:
            server.start()
        except OSError as exc:
            worker.poller.close()
            raise click.ClickException(str(exc)) from None
    worker.start()
    while not stop.wait(0.2):
        if reload_wanted.is_set():
            reload_wanted.clear()
            _reload(worker)
    log.info("stopping", extra={"signal": _received[-1] if _received else None})
    if server is not None:
        server.request_stop()  # closes while polls finish: exit within 10 s in all
    worker.stop()
    if server is not None:
        server.stop(timeout=1.5)
    logging.shutdown()
    sys.stdout.flush()
    # Leave now, clean or not. A poll may still be stuck in a network call, and even after
    # a clean stop a DNS look-up thread of asyncio (which nothing can cancel) may be blocked
    # for seconds: the interpreter would wait for it at exit, past Docker's 10 s before
    # SIGKILL (seen in tests/docker with no route to the feeds). The database rolls back
    # whatever transaction was open.
    os._exit(0)


_received: list[str] = []


def _install_signals(stop: threading.Event, reload_wanted: threading.Event) -> None:
    # Handlers only set events (logging from a signal handler can interleave with a line
    # being written); the main loop acts on them.
    def on_stop(signum: int, _frame: FrameType | None) -> None:
        if not stop.is_set():
            _received.append(signal.Signals(signum).name)
            stop.set()

    def on_hup(_signum: int, _frame: FrameType | None) -> None:
        reload_wanted.set()

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, on_hup)


def _wait_for_store(app: App, settings: WorkerSettings, stop: threading.Event) -> bool:
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


def _reload(worker: Any) -> None:
    """Re-read the configuration; a broken file keeps the old configuration running."""
    old: App = worker.app
    try:
        path = old.settings.path
        new = App(str(path) if path is not None else None)
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
    new.__dict__["store"] = old.store
    new.__dict__["upcasters"] = old.upcasters
    settings = _keep_identity(settings, worker.settings)
    worker.reschedule(new, settings)
    log.info("configuration reloaded", extra={"sources": len(worker.sources())})


def _keep_identity(new: WorkerSettings, old: WorkerSettings) -> WorkerSettings:
    """A replica keeps its id (and its leases) across reloads."""
    from dataclasses import replace

    return replace(new, replica_id=old.replica_id)


def _health(worker: Any) -> tuple[bool, dict[str, Any]]:
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
        details["publish_error"] = worker.publisher.last_error
    return running and not worker.store_error, details


def _serve_address(app: App, host: str | None, port: int | None) -> tuple[str, int]:
    """Flags first, then `[serve]` host and port."""
    config = app.feeds_config
    return (host or config.host, config.port if port is None else port)


def _feeds_asgi(app: App) -> Any:
    from feeds.server import create_app

    return create_app(app.feeds_config)


# -- status ------------------------------------------------------------------------------


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of tables.")
@click.pass_obj
def status(app: App, as_json: bool) -> None:
    """Sources' health, projection checkpoints and lag, replicas, and feed files with ages."""
    now = datetime.now(UTC)
    report = collect_status(app, now=now)
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
        return
    _print_status(report, now=now)


def _print_status(report: Status, *, now: datetime) -> None:
    from rich.console import Console
    from rich.table import Table

    # A pipe gets rich's 80 columns; the error column needs more to stay readable.
    console = Console(file=sys.stdout, width=None if sys.stdout.isatty() else 160)
    sources = Table(title=f"Sources (log head {report.head})")
    for column in ("source", "kind", "health", "last success", "failures", "retry", "leased by"):
        sources.add_column(column, no_wrap=True)
    sources.add_column("last error", overflow="fold")
    for s in report.sources:
        colour = {"ok": "green", "failing": "yellow", "gone": "red"}.get(s.health, "")
        sources.add_row(
            s.id,
            s.kind,
            f"[{colour}]{s.health}[/]" if colour else s.health,
            _ago(s.last_success, now),
            str(s.failures),
            _until(s.retry_at, now),
            s.leased_by or "-",
            s.error or "",
        )
    console.print(sources)
    projections = Table(title="Projections")
    for column in ("projection", "checkpoint", "generation", "lag (events)"):
        projections.add_column(column)
    for p in report.projections:
        projections.add_row(p.name, str(p.position), str(p.generation), str(p.lag))
    console.print(projections)
    if report.faults:
        faults = Table(title="Projection faults (events skipped; `replay` retries them)")
        for column in ("projection", "position", "type", "error"):
            faults.add_column(column, overflow="fold")
        for fault in report.faults:
            faults.add_row(fault.name, str(fault.position), fault.type, fault.error)
        console.print(faults)
    console.print(f"Live worker replicas: {', '.join(report.replicas) or 'none'}")
    feeds = Table(title=f"Feed files in {report.feeds_dir or '(no output directory)'}")
    for column in ("file", "bytes", "modified", "age"):
        feeds.add_column(column)
    for f in report.feeds:
        feeds.add_row(f.name, str(f.bytes), f.modified, age(f.age_seconds))
    console.print(feeds)


def _ago(moment: str | None, now: datetime) -> str:
    if moment is None:
        return "-"
    return f"{age((now - datetime.fromisoformat(moment)).total_seconds())} ago"


def _until(moment: str | None, now: datetime) -> str:
    if moment is None:
        return "-"
    seconds = (datetime.fromisoformat(moment) - now).total_seconds()
    return f"in {age(seconds)}" if seconds > 0 else "due"


COMMANDS: list[click.Command] = [run, status]
