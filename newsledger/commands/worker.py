"""Commands that run the scheduled worker (`run`) and report how it is doing (`status`)."""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from newsledger.app import App
from newsledger.commands import check_port
from newsledger.logs import configure_logging, log_settings
from newsledger.metrics import Metrics
from newsledger.worker.settings import parse_worker_settings
from newsledger.worker.status import collect_status
from newsledger.worker.status_text import print_status

if TYPE_CHECKING:
    from newsledger.worker.scheduler import Worker
    from newsledger.worker.serve import BackgroundServer

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
    from newsledger.worker import lifecycle
    from newsledger.worker.scheduler import Worker

    check_port(port, "--port")
    check_port(metrics_port, "--metrics-port")

    try:
        configure_logging()
    except ValueError as exc:  # exit 1 with `check`'s line: a setting, not a usage mistake
        raise click.ClickException(str(exc)) from None
    stop = threading.Event()
    reload_wanted = threading.Event()
    lifecycle.install_signals(stop, reload_wanted)
    settings = parse_worker_settings(app.settings.raw, file=app.settings.name)
    if not no_serve:
        app.serve_at(host, port)  # feeds published by this worker link to where it serves
    app.ingest_config  # noqa: B018 - a broken configuration fails before anything starts
    app.feeds_config  # noqa: B018
    if once:
        _open_store_once(app)
    elif not lifecycle.wait_for_store(app, settings, stop):
        return
    worker = Worker(app, settings, metrics=Metrics())
    if once:
        _run_once(worker, stop)
        return
    server = None
    if not no_serve or metrics_port is not None:
        server = _start_server(worker, host, port, no_serve=no_serve, metrics_port=metrics_port)
    worker.start()
    code = lifecycle.supervise(worker, stop, reload_wanted)
    received = lifecycle.received
    log.info("stopping", extra={"signal": received[-1] if received else None})
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
    # whatever transaction was open. A scheduler that died exits 1 (lifecycle.supervise).
    os._exit(code)


def _open_store_once(app: App) -> None:
    """`run --once` connects once: from cron, a database that is down is this run's failure
    to report (exit 1), and the next run tries again; the worker waits for it instead."""
    from store import StoreUnavailableError

    try:
        app.store  # noqa: B018 - connects and migrates
    except StoreUnavailableError as exc:
        raise click.ClickException(str(exc)) from None


def _run_once(worker: Worker, stop: threading.Event) -> None:
    """Poll every due source once, publish, and print one line per source polled."""
    from newsledger.worker import lifecycle

    # A signal skips the polls not started yet; what was polled is still published.
    def interrupt_on_signal() -> None:
        stop.wait()
        worker.interrupt()

    threading.Thread(target=interrupt_on_signal, daemon=True).start()
    polled = failed = 0
    for report in lifecycle.run_once(worker):
        counts = (
            ", ".join(f"{n} {t}" for t, n in sorted(report.events.items()) if n) or "nothing new"
        )
        click.echo(f"{report.source_id}: {report.outcome} ({counts})")
        polled += 1
        failed += report.outcome.startswith("failed:")
    if polled and failed == polled and not _any_source_healthy(worker):
        # Some sources failing is the usual day (their failures are facts in the log); all
        # of them failing is a network, proxy or configuration problem cron should report.
        # A run polls only the sources due, often one or two: those failing while others
        # are fine (their last poll succeeded) is still the usual day.
        raise click.ClickException(
            f"every source polled failed ({failed} of {polled}) and no enabled source is ok"
        )


def _any_source_healthy(worker: Worker) -> bool:
    """Whether an enabled source's last poll succeeded (`sources` says "ok")."""
    from ingest import build_projections, health, poll_notes, source_states
    from store import ProjectionRunner

    config = worker.app.ingest_config
    states = source_states(ProjectionRunner(worker.app.store, build_projections(config)))
    notes = poll_notes(worker.app.store, now=datetime.now(UTC))
    return any(
        health(states.get(s.id), enabled=s.enabled, configured=s.location, note=notes.get(s.id))
        == "ok"
        for s in config.sources
    )


def _start_server(
    worker: Worker,
    host: str | None,
    port: int | None,
    *,
    no_serve: bool,
    metrics_port: int | None,
) -> BackgroundServer:
    """The feeds (unless --no-serve), `/healthz` and `/metrics`, in a background thread."""
    from feeds import create_app
    from newsledger.worker import lifecycle
    from newsledger.worker.serve import BackgroundServer, ops_app

    app = worker.app
    config = app.feeds_config
    # Flags first, then `[serve]` host and port.
    serve_host, serve_port = host or config.host, config.port if port is None else port
    feeds = None if no_serve else create_app(config)
    http = ops_app(metrics=worker.metrics, health=lambda: lifecycle.health(worker), feeds=feeds)
    server = BackgroundServer(
        http, host=serve_host, port=metrics_port if no_serve and metrics_port else serve_port
    )
    try:
        server.start()
    except OSError as exc:
        worker.poller.close()
        raise click.ClickException(str(exc)) from None
    return server


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
    print_status(report, now=now)


@click.command("check")
@click.pass_obj
def check(app: App) -> None:
    """Check the configuration as `run` reads it, every section, without starting anything
    or opening the database; exit 1 with the first problem in one line."""
    from store import display_url

    settings = app.settings
    try:
        log_format, log_level = log_settings()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    parse_worker_settings(settings.raw, file=settings.name)
    sources = app.ingest_config.sources
    feeds = app.feeds_config
    enabled = sum(1 for source in sources if source.enabled)
    store = display_url(settings.store_url)
    click.echo(f"{settings.name}: ok")
    click.echo(f"  store: {store}")
    click.echo(f"  sources: {enabled} enabled of {len(sources)}")
    click.echo(f"  topics: {', '.join(t.id for t in feeds.topics) or 'none'}")
    click.echo(f"  feeds: written to {feeds.output_dir}, linked from {feeds.base_url}")
    click.echo(f"  serve: {feeds.host}:{feeds.port}")
    click.echo(f"  log: {log_format}, {log_level}")
    # Not a mistake in the file (a volume may be mounted later), but worth seeing before a
    # deployment: each poll of such a source fails until the folder is there.
    for source in sources:
        if source.enabled and source.path is not None and not source.path.is_dir():
            click.echo(
                f"  warning: source {source.id!r}: the folder {source.path} does not exist"
                " (yet): its polls fail until it does"
            )


COMMANDS: list[click.Command] = [run, status, check]
