"""Commands that drive `ingest`: `fetch` (one polling round now) and `sources` (their state)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import click

from ingest import (
    IngestConfig,
    Poller,
    PollNote,
    PollReport,
    SourceConfig,
    SourceState,
    UnknownSourceError,
    build_projections,
    health,
    last_success,
    next_poll,
    poll_notes,
    seed,
    source_states,
)
from newsfacts import (
    ARTICLE_INGESTED,
    ARTICLE_REVISED,
    ARTICLE_SIGHTED,
    timestamp,
)
from newsledger.app import App
from newsledger.terminal import TextConsole, TextTable, clip
from store import EventStore, ProjectionRunner, StoreError


def _select(config: IngestConfig, ids: tuple[str, ...]) -> list[SourceConfig]:
    if not ids:
        return [s for s in config.sources if s.enabled]
    chosen = []
    for ident in ids:
        source = config.source(ident)
        if source is None:
            known = ", ".join(s.id for s in config.sources) or "none configured"
            raise UnknownSourceError(f"unknown source {ident!r} (known: {known})")
        chosen.append(source)
    return chosen


async def _round(
    store: EventStore, config: IngestConfig, sources: list[SourceConfig], now: datetime
) -> list[PollReport]:
    runner = ProjectionRunner(store, build_projections(config))
    poller = Poller(store, config, runner=runner)
    try:
        return await poller.poll_sources(sources, now=now, force=True)
    finally:
        await poller.aclose()


@click.command("fetch")
@click.option(
    "--source",
    "source_ids",
    multiple=True,
    metavar="ID",
    help="Poll only this source (repeatable).",
)
@click.pass_obj
def fetch(app: App, source_ids: tuple[str, ...]) -> None:
    """Run one polling round now and print what it appended per source.

    Backoff after failures is ignored (you asked for a poll now); a host's Retry-After
    and the per-host gap are honoured. Disabled sources are polled only when named.
    """
    config = app.ingest_config
    sources = _select(config, source_ids)
    if not sources:
        click.echo("no enabled sources configured")
        return
    now = datetime.now(UTC).replace(microsecond=0)
    before = app.store.head()
    try:
        reports = asyncio.run(_round(app.store, config, sources, now))
    except StoreError as exc:
        # A full disk or a lost database mid-round: what was committed stays committed,
        # and the operator must be told how much (each append is one transaction).
        raise StoreError(f"{exc}; {_appended_since(app.store, before)} before it") from exc
    except KeyboardInterrupt:
        # Ctrl-C: the batches committed stay (the next fetch goes on from them), and
        # "Aborted!" alone left the operator guessing.
        raise click.ClickException(
            f"interrupted; {_appended_since(app.store, before)} before it"
        ) from None
    table = TextTable(title=f"polling round at {timestamp(now)}")
    for name in ("source", "outcome", "status", "items", "ingested", "revised", "sighted", "note"):
        table.add_column(
            name,
            justify="right"
            if name in ("status", "items", "ingested", "revised", "sighted")
            else "left",
            # An error is wrapped whole: cut at 80 characters, it lost what went wrong.
            overflow="fold" if name == "note" else "ellipsis",
        )
    for r in reports:
        table.add_row(
            r.source_id,
            r.outcome,
            str(r.status) if r.status is not None else "",
            str(r.items),
            str(r.events.get(ARTICLE_INGESTED.name, 0)),
            str(r.events.get(ARTICLE_REVISED.name, 0)),
            str(r.events.get(ARTICLE_SIGHTED.name, 0)),
            clip(r.message),
        )
    TextConsole(width=160).print(table)
    total = sum(r.appended for r in reports)
    failed = sum(1 for r in reports if r.outcome.startswith("failed:"))
    click.echo(f"{total} events appended; {failed} of {len(reports)} sources failed")
    if reports and failed == len(reports):
        # As `run --once`: a failing source is news for `status`, every one failing is not.
        raise click.ClickException(f"every source polled failed ({failed} of {failed})")


def _appended_since(store: EventStore, before: int) -> str:
    try:
        return f"{store.head() - before} events were appended"
    except StoreError:
        return "an unknown number of events (the store cannot be read) were appended"


@click.command("sources")
@click.option(
    "--json", "as_json", is_flag=True, help="One JSON object per source instead of a table."
)
@click.pass_obj
def sources(app: App, as_json: bool) -> None:
    """Show each source's state: last success, last error, failures, next poll, articles."""
    config = app.ingest_config
    states = source_states(ProjectionRunner(app.store, build_projections(config)), stale_ok=True)
    now = datetime.now(UTC).replace(microsecond=0)
    notes = poll_notes(app.store, now=now)
    rows = [
        _source_row(source, states.get(source.id), notes.get(source.id), now)
        for source in config.sources
    ]
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    _print_sources(rows)


def _source_row(
    source: SourceConfig, state: SourceState | None, note: PollNote | None, now: datetime
) -> dict[str, Any]:
    """One source as `sources --json` prints it, by the ingest projection's rules."""
    status = health(state, enabled=source.enabled, configured=source.location, note=note)
    if state is None:
        state = SourceState(source.id)
    # What the poller remembers of it (`seed`): the URL it polls, a back-off only if that
    # URL is the one that failed (a source moved to another starts afresh), and its last
    # poll from its note when that brought nothing new (no fact in the log).
    mem = seed(source.location, state, note)
    due = next_poll(interval=source.interval, last_attempt=mem.last_attempt, retry_at=mem.retry_at)
    error = f"{state.last_error_reason}: {state.last_error}" if state.last_error else None
    return {
        "id": source.id,
        "kind": source.kind,
        "enabled": source.enabled,
        "url": mem.url,
        "status": status,
        "last_success": last_success(state, note, source.location),
        "last_error": error,
        "last_error_at": state.last_error_at,
        "failures": state.failures,
        "next_poll": None
        if status in ("gone", "disabled")
        else timestamp(max(due, now) if due else now),
        "articles": state.articles,
        "revisions": state.revised,
        "etag": state.etag,
        "last_modified": state.last_modified,
        "redirect_streak": state.redirect_streak,
    }


def _print_sources(rows: list[dict[str, Any]]) -> None:
    table = TextTable(title="sources")
    columns = ("id", "kind", "status", "last success", "last error", "failures", "next poll")
    for name in (*columns, "articles"):
        table.add_column(
            name,
            justify="right" if name in ("failures", "articles") else "left",
            overflow="fold" if name == "last error" else "ellipsis",
        )
    for row in rows:
        error = row["last_error"]
        table.add_row(
            str(row["id"]),
            str(row["kind"]),
            str(row["status"]),
            str(row["last_success"] or "never"),
            f"{clip(str(error))} ({row['last_error_at']})" if error else "",
            str(row["failures"]),
            str(row["next_poll"] or "—"),
            str(row["articles"]),
        )
    TextConsole(width=200).print(table)


COMMANDS: list[click.Command] = [fetch, sources]
