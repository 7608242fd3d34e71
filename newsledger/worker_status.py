"""What `newsledger status` reports: sources' health, projections' lag, leases, feed files."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsledger.worker_sharing import MEMBER_LEASE, SOURCE_LEASE
from store import Lease, RecordedEvent

if TYPE_CHECKING:
    from newsledger.app import App

FAILED = "SourceFetchFailed"
FETCHED = "SourceFetched"
GONE = "SourceGone"
MOVED = "SourceMoved"


@dataclass(frozen=True, slots=True)
class SourceHealth:
    id: str
    kind: str
    enabled: bool
    health: str  # ok, failing, gone, never polled, disabled
    last_success: str | None
    last_failure: str | None
    failures: int
    retry_at: str | None
    error: str | None
    leased_by: str | None


@dataclass(frozen=True, slots=True)
class ProjectionState:
    name: str
    position: int
    generation: int
    lag: int


@dataclass(frozen=True, slots=True)
class FeedFile:
    name: str
    bytes: int
    modified: str
    age_seconds: float


@dataclass(frozen=True, slots=True)
class Status:
    head: int
    sources: tuple[SourceHealth, ...]
    projections: tuple[ProjectionState, ...]
    replicas: tuple[str, ...]
    feeds_dir: str | None
    feeds: tuple[FeedFile, ...]

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def source_health(
    *,
    source_id: str,
    kind: str,
    enabled: bool,
    stream: Sequence[RecordedEvent],
    lease: Lease | None,
    now: datetime,
) -> SourceHealth:
    """A source's health from its `source-<id>` stream (facts only, oldest first)."""
    last_success: str | None = None
    last_failure: str | None = None
    failures = 0
    retry_at: str | None = None
    error: str | None = None
    gone = False
    for event in stream:
        data = event.data
        if event.type == FETCHED:
            last_success = data.get("fetched") or event.recorded_at.isoformat()
            failures, retry_at, error = 0, None, None
        elif event.type == FAILED:
            last_failure = data.get("fetched") or event.recorded_at.isoformat()
            failures = int(data.get("failures") or failures + 1)
            retry_at = data.get("retry_at")
            error = f"{data.get('reason', '?')}: {data.get('message', '')}".strip()
        elif event.type == GONE:
            gone = True
    if not enabled:
        health = "disabled"
    elif gone:
        health = "gone"
    elif failures:
        health = "failing"
    elif last_success is None:
        health = "never polled" if last_failure is None else "failing"
    else:
        health = "ok"
    leased_by = lease.owner if lease is not None and lease.held_at(now) else None
    return SourceHealth(
        id=source_id,
        kind=kind,
        enabled=enabled,
        health=health,
        last_success=last_success,
        last_failure=last_failure,
        failures=failures,
        retry_at=retry_at,
        error=error,
        leased_by=leased_by,
    )


def feed_files(directory: Path | None, *, now: datetime) -> tuple[FeedFile, ...]:
    """The published files under `directory` with their ages (newest first)."""
    if directory is None or not directory.is_dir():
        return ()
    files: list[FeedFile] = []
    for path in sorted(
        p for p in directory.rglob("*") if p.is_file() and not p.name.startswith(".")
    ):
        stat = path.stat()
        modified = datetime.fromtimestamp(stat.st_mtime, UTC)
        files.append(
            FeedFile(
                name=str(path.relative_to(directory)),
                bytes=stat.st_size,
                modified=modified.isoformat(timespec="seconds"),
                age_seconds=round(max(0.0, (now - modified).total_seconds()), 1),
            )
        )
    return tuple(files)


def live_replicas(leases: Iterable[Lease], *, now: datetime) -> tuple[str, ...]:
    return tuple(sorted({lease.owner for lease in leases if lease.held_at(now)}))


def age(seconds: float) -> str:
    """`42s`, `3m`, `5h`, `2d` for a table."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f}{unit}"
    return f"{seconds:.0f}s"


def collect_status(app: App, *, now: datetime) -> Status:
    """Read the status from the log, the views, the lease table and the output folder."""
    store = app.store
    leases = store.lease_rows()
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
    directory = app.feeds_config.output_dir
    return Status(
        head=head,
        sources=sources,
        projections=tuple(projections),
        replicas=live_replicas((x for x in leases if x.name.startswith(MEMBER_LEASE)), now=now),
        feeds_dir=str(directory) if directory else None,
        feeds=feed_files(directory, now=now),
    )
