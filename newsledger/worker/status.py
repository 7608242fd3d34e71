"""What `newsledger status` reports: sources' health, projections' lag, leases, feed files."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ingest import (
    PollNote,
    SourceConfig,
    SourceState,
    health,
    last_success,
    poll_notes,
    source_states,
)
from newsledger.worker.published import FeedFile, PageFolder, published_files
from newsledger.worker.sharing import MEMBER_LEASE, SOURCE_LEASE, live_replicas
from store import Lease, ProjectionFault

if TYPE_CHECKING:
    from newsledger.app import App


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
    #: Built with other rules, thresholds or code than this configuration's: a worker
    #: starting with this configuration, `publish` or `replay` rebuilds it
    #: (store/fingerprints.py).
    outdated: bool = False


@dataclass(frozen=True, slots=True)
class Status:
    head: int
    sources: tuple[SourceHealth, ...]
    projections: tuple[ProjectionState, ...]
    replicas: tuple[str, ...]
    feeds_dir: str | None
    feeds: tuple[FeedFile, ...]  # the documents readers poll
    pages: tuple[PageFolder, ...] = ()  # per folder of pages: articles, stories, archives
    #: Events a projection could not apply and skipped (store/faults.py).
    faults: tuple[ProjectionFault, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def source_health(
    source: SourceConfig,
    state: SourceState | None,
    *,
    lease: Lease | None,
    now: datetime,
    note: PollNote | None = None,
) -> SourceHealth:
    """A source's health as the ingest projection folded it from the source's facts, and
    its note (the last poll, when that brought nothing new)."""
    failing = state is not None and state.failures > 0
    return SourceHealth(
        id=source.id,
        kind=source.kind,
        enabled=source.enabled,
        health=health(state, enabled=source.enabled, configured=source.location, note=note),
        last_success=last_success(state, note, source.location),
        last_failure=state.last_error_at if state else None,
        failures=state.failures if state else 0,
        retry_at=state.retry_at if state else None,
        error=f"{state.last_error_reason}: {state.last_error}" if state and failing else None,
        leased_by=lease.owner if lease is not None and lease.held_at(now) else None,
    )


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
    runner = app.runner
    states = source_states(runner, stale_ok=True)
    notes = poll_notes(store, now=now)
    sources = tuple(
        source_health(
            s,
            states.get(s.id),
            lease=by_name.get(SOURCE_LEASE + s.id),
            now=now,
            note=notes.get(s.id),
        )
        for s in app.ingest_config.sources
    )
    head = store.head()
    projections = []
    faults: list[ProjectionFault] = []
    for name in sorted(runner.projections):
        faults.extend(runner.faults(name))
        checkpoint = runner.checkpoint(name)
        lag = max(0, head - checkpoint.position)
        outdated = runner.fingerprints.outdated(name, checkpoint.fingerprint)
        projections.append(
            ProjectionState(name, checkpoint.position, checkpoint.generation, lag, outdated)
        )
    directory = app.feeds_config.output_dir
    documents, pages = published_files(directory, now=now)
    return Status(
        head=head,
        sources=sources,
        projections=tuple(projections),
        replicas=live_replicas((x for x in leases if x.name.startswith(MEMBER_LEASE)), now=now),
        feeds_dir=str(directory) if directory else None,
        feeds=documents,
        faults=tuple(faults),
        pages=pages,
    )
