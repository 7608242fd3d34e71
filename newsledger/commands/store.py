"""Commands that drive `store`: schema, replay, verify, export/import and reading the log."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from newsledger.app import App
from newsledger.commands import check_after
from newsledger.terminal import TextConsole, TextTable
from store import (
    RecordedEvent,
    canonical_json,
    format_time,
    make_engine,
    schema_state,
    upgrade,
)


@click.group("db")
def db() -> None:
    """Manage the store's database schema."""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(app: App) -> None:
    """Create or migrate the schema to the newest revision."""
    # A bare engine, not app.store: opening the store would already migrate.
    engine = make_engine(app.settings.store_url)
    try:
        before = schema_state(engine)
        after = upgrade(engine)
    finally:
        engine.dispose()
    if before.current == after.current:
        click.echo(f"schema already at revision {after.current}")
    else:
        click.echo(f"schema upgraded from {before.current or 'empty'} to {after.current}")


@click.command("replay")
@click.option("--projection", "name", metavar="NAME", help="Rebuild only this projection.")
@click.option("--no-publish", is_flag=True, help="Do not republish the feeds afterwards.")
@click.pass_obj
def replay(app: App, name: str | None, no_publish: bool) -> None:
    """Rebuild views from position 0 into fresh tables, swap them in, republish feeds."""
    runner = app.runner
    _warn_of_running_workers(app)
    with _progress() as progress:
        task: Any = None

        def report(done: int, total: int) -> None:
            nonlocal task
            if progress is None:
                return
            if task is None:
                task = progress.add_task("replay", total=total)
            progress.update(task, completed=done, total=total)

        results = runner.replay(name, progress=report)
    for result in results:
        click.echo(
            f"{result.name}: {result.events} events in {result.seconds:.2f}s "
            f"(generation {result.generation})"
        )
        for topic, change in sorted(result.changes.get("topics", {}).items()):
            click.echo(f"  {topic}: {change['entered']} entered, {change['left']} left")
    if not no_publish:
        from feeds import publish_all

        # The documents readers poll first (well under a second), then every archive page.
        current = publish_all(runner, app.feeds_config, archives=False)
        published = publish_all(runner, app.feeds_config)
        written = set(current.written) | set(published.written)
        click.echo(
            f"feeds: {len(written)} files written, "
            f"{len(set(published.unchanged) - written)} unchanged, "
            f"{len(set(current.removed) | set(published.removed))} removed in"
            f" {published.output_dir}"
        )


def _warn_of_running_workers(app: App) -> None:
    """A running worker has its own configuration's rules: told of new rules (SIGHUP), it
    rebuilds the views itself; not told, it refuses to extend the views this replay builds
    with other rules than its own (store/fingerprints.py), and its feeds stand still."""
    from newsledger.worker.sharing import running_workers

    live = running_workers(app.store)
    if live:
        click.echo(
            f"Warning: worker replicas are running ({', '.join(live)}): if the topic rules"
            " changed, reload them (SIGHUP, or restart) too: they rebuild views built with"
            " other rules than theirs, and refuse to extend the ones this replay rebuilds"
            " until they have the same rules",
            err=True,
        )


class _progress:
    """A progress bar on a terminal, nothing otherwise."""

    def __enter__(self) -> Progress | None:
        if not sys.stderr.isatty():
            self._progress = None
            return None
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=TextConsole(stderr=True),
            transient=True,
        )
        self._progress.__enter__()
        return self._progress

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.__exit__(None, None, None)


@click.command("verify")
@click.pass_obj
def verify_command(app: App) -> None:
    """Walk the hash chain; exit 1 at the first position whose hash does not match."""
    result = app.store.verify()
    if result.ok:
        click.echo(f"OK: {result.events} events, hash chain intact")
        return
    click.echo(
        f"BROKEN at position {result.broken_at}: {result.reason} "
        f"({result.events} events verified before it)",
        err=True,
    )
    sys.exit(1)


@click.command("events")
@click.option("--after", default=0, show_default=True, help="Only events after this position.")
@click.option("--type", "types", multiple=True, metavar="T", help="Only events of this type.")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new events as they arrive.")
@click.option("--json", "as_json", is_flag=True, help="JSON Lines instead of a table.")
@click.option("--limit", type=int, default=None, help="Stop after this many events.")
@click.pass_obj
def events(
    app: App, after: int, types: tuple[str, ...], follow: bool, as_json: bool, limit: int | None
) -> None:
    """Print events for a person to read (a table), or as JSON Lines with --json."""
    check_after(after, "--after")
    if limit is not None and limit < 0:  # it printed nothing and said nothing
        raise click.ClickException(f"--limit {limit} is not a number of events (0 or more)")
    store = app.store
    wanted = list(types) or None
    printed = 0
    position = after
    # Piped output is read by a person too (`| less`): give it a wide, fixed width.
    console = TextConsole(soft_wrap=False, width=None if sys.stdout.isatty() else 160)
    try:
        while True:
            for batch in store.read_batches(after=position, types=wanted, batch_size=500):
                if limit is not None:
                    batch = batch[: max(0, limit - printed)]
                _print_batch(console, batch, as_json=as_json)
                printed += len(batch)
                position = batch[-1].position if batch else position
                if limit is not None and printed >= limit:
                    return
            if not follow:
                return
            time.sleep(1.0)
    except KeyboardInterrupt:
        return


def _print_batch(console: Console, batch: list[RecordedEvent], *, as_json: bool) -> None:
    if not batch:
        return
    if as_json:
        for event in batch:
            click.echo(canonical_json(event_to_dict(event)))
        return
    table = TextTable(show_edge=False, box=None, pad_edge=False)
    table.add_column("pos", justify="right", no_wrap=True, min_width=3)
    table.add_column("recorded", no_wrap=True, min_width=19)
    table.add_column("type", no_wrap=True, min_width=17)
    # The stream and summary columns give way on a narrow terminal, never the others.
    table.add_column("stream", overflow="ellipsis", no_wrap=True, max_width=46)
    table.add_column("summary", overflow="ellipsis", no_wrap=True, ratio=1)
    for event in batch:
        table.add_row(
            str(event.position),
            format_time(event.recorded_at)[:19],
            event.type,
            event.stream_id,
            _summary(event),
        )
    console.print(table)


def event_to_dict(event: RecordedEvent) -> dict[str, Any]:
    return {
        "position": event.position,
        "event_id": str(event.event_id),
        "stream_id": event.stream_id,
        "stream_version": event.stream_version,
        "type": event.type,
        "schema_version": event.schema_version,
        "recorded_at": format_time(event.recorded_at),
        "data": event.data,
        "metadata": event.metadata,
    }


def _summary(event: RecordedEvent) -> str:
    data = event.data
    for field in ("title", "message", "reason", "url", "source_id"):
        value = data.get(field)
        if isinstance(value, str) and value:
            return value[:80]
    return json.dumps(data, ensure_ascii=False)[:80]


COMMANDS: list[click.Command] = [db, replay, verify_command, events]
