"""What a finished poll leaves behind in the operator's view: metrics and one log line."""

from __future__ import annotations

import logging

from ingest import PollReport
from newsledger.metrics import Metrics

log = logging.getLogger("newsledger.worker")

#: Outcomes that request nothing, logged at DEBUG: they recur on every tick.
_QUIET = ("deferred", "disabled", "gone")


def observe_poll(metrics: Metrics, report: PollReport, *, kind: str, seconds: float) -> None:
    """Count the poll's outcome, failure reason, duration and events; log one line."""
    outcome, _, reason = report.outcome.partition(":")
    metrics.fetches.labels(outcome=outcome).inc()
    if reason:
        metrics.fetch_failures.labels(reason=reason).inc()
    if report.requested:
        metrics.fetch_seconds.labels(kind=kind).observe(seconds)
    metrics.record_events(report.events)
    level = {"failed": logging.WARNING, "error": logging.ERROR}.get(outcome, logging.INFO)
    if outcome in _QUIET:
        level = logging.DEBUG
    log.log(
        level,
        f"polled {report.source_id}: {report.outcome}",
        extra={
            "source_id": report.source_id,
            "outcome": report.outcome,
            "status": report.status,
            "items": report.items,
            "events": dict(report.events),
            "duration_ms": round(seconds * 1000, 1),
            **({"error": report.message} if report.message else {}),
            **({"retry_at": report.retry_at.isoformat()} if report.retry_at else {}),
        },
    )
