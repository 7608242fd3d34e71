"""`newsledger status` as tables for a person: sources, projections, faults, replicas, the
documents readers poll and the pages per folder."""

from __future__ import annotations

import sys
from datetime import datetime

from newsledger.terminal import clip
from newsledger.worker.status import Status, age


def print_status(report: Status, *, now: datetime) -> None:
    from rich.text import Text

    from newsledger.terminal import TextConsole, TextTable

    # A pipe gets rich's 80 columns; the error column needs more to stay readable.
    console = TextConsole(file=sys.stdout, width=None if sys.stdout.isatty() else 160)
    sources = TextTable(title=f"Sources (log head {report.head})")
    for column in ("source", "kind", "health", "last success", "failures", "retry", "leased by"):
        sources.add_column(column, no_wrap=True)
    sources.add_column("last error", overflow="fold")
    for s in report.sources:
        colour = {"ok": "green", "failing": "yellow", "gone": "red"}.get(s.health, "")
        sources.add_row(
            s.id,
            s.kind,
            Text(s.health, style=colour),  # a Text: the table shows strings as plain text
            _ago(s.last_success, now),
            str(s.failures),
            _until(s.retry_at, now),
            s.leased_by or "-",
            clip(s.error or ""),
        )
    console.print(sources)
    projections = TextTable(title="Projections")
    for column in ("projection", "checkpoint", "generation", "lag (events)", "rules"):
        projections.add_column(column)
    for p in report.projections:
        rules = Text("other: replay", style="yellow") if p.outdated else Text("current")
        projections.add_row(p.name, str(p.position), str(p.generation), str(p.lag), rules)
    console.print(projections)
    outdated = [p.name for p in report.projections if p.outdated]
    if outdated:
        console.print(
            f"Views built with other rules, thresholds or code: {', '.join(outdated)}; a"
            " worker rebuilds them when it starts, as `newsledger publish` or `newsledger"
            " replay` do"
        )
    if report.faults:
        faults = TextTable(title="Projection faults (events skipped; `replay` retries them)")
        for column in ("projection", "position", "type", "error"):
            faults.add_column(column, overflow="fold")
        for fault in report.faults:
            faults.add_row(fault.name, str(fault.position), fault.type, clip(fault.error))
        console.print(faults)
    console.print(f"Live worker replicas: {', '.join(report.replicas) or 'none'}")
    feeds = TextTable(title=f"Feed files in {report.feeds_dir or '(no output directory)'}")
    for column in ("file", "bytes", "modified", "age"):
        feeds.add_column(column)
    for f in report.feeds:
        feeds.add_row(f.name, str(f.bytes), f.modified, age(f.age_seconds))
    console.print(feeds)
    if report.pages:
        pages = TextTable(title="Pages, per folder")
        for column in ("folder", "files", "bytes", "newest", "age"):
            pages.add_column(column)
        for folder in report.pages:
            pages.add_row(
                folder.name,
                str(folder.files),
                str(folder.bytes),
                folder.newest,
                age(folder.age_seconds),
            )
        console.print(pages)


def _ago(moment: str | None, now: datetime) -> str:
    if moment is None:
        return "-"
    return f"{age((now - datetime.fromisoformat(moment)).total_seconds())} ago"


def _until(moment: str | None, now: datetime) -> str:
    if moment is None:
        return "-"
    seconds = (datetime.fromisoformat(moment) - now).total_seconds()
    return f"in {age(seconds)}" if seconds > 0 else "due"
