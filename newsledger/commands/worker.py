"""Commands that run the scheduled worker (`run`) and report how it is doing (`status`)."""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import click

from newsledger.app import App
from newsledger.logs import configure_logging
from newsledger.metrics import Metrics
from newsledger.worker_config import WorkerSettings, parse_worker_settings
from newsledger.worker_status import (
    ProjectionState,
    Status,
    age,
    feed_files,
    live_replicas,
    source_health,
)
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
        server.start()
    worker.start()
    while not stop.wait(0.2):
        if reload_wanted.is_set():
            reload_wanted.clear()
            _reload(worker)
    clean = worker.stop()
    if server is not None:
        server.stop()
    logging.shutdown()
    if not clean:
        # A poll is stuck in a network call: leave now; the database rolls back its transaction.
        os._exit(0)


def _install_signals(stop: threading.Event, reload_wanted: threading.Event) -> None:
    def on_stop(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            return
        log.info("stopping", extra={"signal": signal.Signals(signum).name})
        stop.set()

    def on_hup(_signum: int, _frame: FrameType | None) -> None:
        reload_wanted.set()

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, on_hup)


def _wait_for_store(app: App, settings: WorkerSettings, stop: threading.Event) -> bool:
    """Open the store, retrying with back-off while the database is not reachable yet."""
    delay = 1.0
    while True:
        try:
            app.store  # noqa: B018 - connects and migrates
            return True
        except StoreUnavailableError as exc:
            log.warning(
                "database unavailable; retrying", extra={"error": str(exc), "retry_in_s": delay}
            )
        if stop.wait(delay * random.uniform(0.8, 1.2)):
            return False
        delay = min(delay * 2, settings.store_retry_cap)


def _reload(worker: Any) -> None:
    """Re-read the configuration; a broken file keeps the old configuration running."""
    old: App = worker.app
    try:
        new = App(old._config_flag)
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
    }
    if worker.store_error:
        details["error"] = worker.store_error
    return running and not worker.store_error, details


def _serve_address(app: App, host: str | None, port: int | None) -> tuple[str, int]:
    """Flags first, then `[serve]` host and port."""
    config = app.feeds_config
    return (host or config.host, config.port if port is None else port)


def _feeds_asgi(app: App) -> Any:
    from feeds.server import create_app

    return create_app(app.runner, app.feeds_config)


# -- status ------------------------------------------------------------------------------


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of tables.")
@click.pass_obj
def status(app: App, as_json: bool) -> None:
    """Sources' health, projection checkpoints and lag, replicas, and feed files with ages."""
    report = collect_status(app, now=datetime.now(UTC))
    if as_json:
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
        return
    _print_status(report)


def collect_status(app: App, *, now: datetime) -> Status:
    from datetime import timedelta

    from newsledger.worker import MEMBER_LEASE, SOURCE_LEASE
    from store import Leases

    store = app.store
    leases = Leases(store.engine, owner="status", ttl=timedelta(seconds=1)).all()
    by_name = {lease.name: lease for lease in leases}
    sources = tuple(
        source_health(
            source_id=s.id,
            kind=s.kind,
            enabled=s.enabled,
            stream=store.read_stream(f"source-{s.id}"),
            lease=by_name.get(SOURCE_LEASE + s.id),
            now=now,
        )
        for s in app.ingest_config.sources
    )
    runner = app.runner
    head = store.head()
    projections = []
    for name in sorted(runner.projections):
        checkpoint = runner.checkpoint(name)
        projections.append(
            ProjectionState(
                name, checkpoint.position, checkpoint.generation, max(0, head - checkpoint.position)
            )
        )
    directory = _feeds_dir(app)
    return Status(
        head=head,
        sources=sources,
        projections=tuple(projections),
        replicas=live_replicas((x for x in leases if x.name.startswith(MEMBER_LEASE)), now=now),
        feeds_dir=str(directory) if directory else None,
        feeds=feed_files(directory, now=now),
    )


def _feeds_dir(app: App) -> Path:
    return app.feeds_config.output_dir


def _print_status(report: Status) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=sys.stdout, soft_wrap=True)
    sources = Table(title=f"Sources (log head {report.head})")
    for column in (
        "source",
        "kind",
        "health",
        "last success",
        "failures",
        "retry at",
        "leased by",
        "last error",
    ):
        sources.add_column(column)
    for s in report.sources:
        colour = {"ok": "green", "failing": "yellow", "gone": "red"}.get(s.health, "")
        sources.add_row(
            s.id,
            s.kind,
            f"[{colour}]{s.health}[/]" if colour else s.health,
            s.last_success or "-",
            str(s.failures),
            s.retry_at or "-",
            s.leased_by or "-",
            (s.error or "")[:80],
        )
    console.print(sources)
    projections = Table(title="Projections")
    for column in ("projection", "checkpoint", "generation", "lag (events)"):
        projections.add_column(column)
    for p in report.projections:
        projections.add_row(p.name, str(p.position), str(p.generation), str(p.lag))
    console.print(projections)
    console.print(f"Live worker replicas: {', '.join(report.replicas) or 'none'}")
    feeds = Table(title=f"Feed files in {report.feeds_dir or '(no output directory)'}")
    for column in ("file", "bytes", "modified", "age"):
        feeds.add_column(column)
    for f in report.feeds:
        feeds.add_row(f.name, str(f.bytes), f.modified, age(f.age_seconds))
    console.print(feeds)


COMMANDS: list[click.Command] = [run, status]
