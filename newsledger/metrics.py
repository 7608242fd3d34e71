"""The worker's Prometheus metrics, in a registry of their own, and the ASGI app serving them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

#: Fetch outcomes counted by `newsledger_fetches_total{outcome=…}`.
OUTCOMES = ("ok", "not_modified", "moved", "gone", "failed", "deferred", "disabled", "error")

# A fetch is a network round trip plus parsing: 10 ms to the 30 s request timeout.
_FETCH_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


@dataclass
class Metrics:
    """Counters, gauges and histograms of one worker process."""

    registry: CollectorRegistry = field(
        default_factory=lambda: CollectorRegistry(auto_describe=True)
    )

    def __post_init__(self) -> None:
        r = self.registry
        self.fetches = Counter(
            "newsledger_fetches",
            "Source polls by outcome: ok (fetched and parsed), not_modified (304), moved, gone, "
            "failed (a SourceFetchFailed was recorded), deferred (backing off, not requested), "
            "disabled, error (a bug or the database unreachable).",
            ["outcome"],
            registry=r,
        )
        self.fetch_failures = Counter(
            "newsledger_fetch_failures",
            "Failed polls by reason: dns, connect, timeout, http_status, too_large, decode, parse…",
            ["reason"],
            registry=r,
        )
        self.fetch_seconds = Histogram(
            "newsledger_fetch_duration_seconds",
            "Time to poll one source: fetch, parse, dedup and append.",
            ["kind"],
            buckets=_FETCH_BUCKETS,
            registry=r,
        )
        self.events = Counter(
            "newsledger_events_appended",
            "Events appended to the log by this worker, by event type.",
            ["type"],
            registry=r,
        )
        self.projection_lag = Gauge(
            "newsledger_projection_lag_events",
            "Events in the log not yet applied by the projection.",
            ["projection"],
            registry=r,
        )
        self.feeds_published = Counter(
            "newsledger_feeds_published",
            "Feed files written because their bytes changed.",
            registry=r,
        )
        self.publish_seconds = Histogram(
            "newsledger_publish_duration_seconds",
            "Time to catch projections up and republish the feeds.",
            registry=r,
        )
        self.store_unavailable = Counter(
            "newsledger_store_unavailable",
            "Operations abandoned because the database could not be reached.",
            registry=r,
        )
        self.leases_held = Gauge(
            "newsledger_source_leases_held",
            "Sources this replica holds the lease of.",
            registry=r,
        )
        self.sources = Gauge(
            "newsledger_sources_scheduled",
            "Enabled sources with a polling job in this process.",
            registry=r,
        )
        for outcome in OUTCOMES:
            self.fetches.labels(outcome=outcome)

    def record_events(self, counts: Mapping[str, int]) -> None:
        for event_type, count in counts.items():
            if count:
                self.events.labels(type=event_type).inc(count)

    def record_lag(self, lag: Mapping[str, int]) -> None:
        for name, value in lag.items():
            self.projection_lag.labels(projection=name).set(value)

    def exposition(self) -> bytes:
        """The registry in Prometheus text format."""
        return bytes(generate_latest(self.registry))


CONTENT_TYPE = CONTENT_TYPE_LATEST
