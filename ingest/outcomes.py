"""How a poll ends: memory updated, source facts appended, the report built."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TypedDict

from ingest.backoff import Backoff
from ingest.config import FetchSettings, SourceConfig
from ingest.errors import FetchError
from ingest.fetcher import FetchResult, Validators
from ingest.politeness import HostGate, retry_after_until
from ingest.projections import SourceState
from ingest.reports import PollReport, SourceMemory
from newsfacts import (
    ARTICLE_INGESTED,
    ARTICLE_REVISED,
    ARTICLE_SIGHTED,
    SOURCE_FETCH_FAILED,
    SOURCE_FETCHED,
    SOURCE_GONE,
    SOURCE_MOVED,
    maybe_parse_timestamp,
    source_stream,
    timestamp,
)
from store import EventStore, NewEvent

log = logging.getLogger(__name__)


class SourceFacts:
    """Appends a source's facts (fetched, failed, moved, gone) and keeps its memory in step."""

    def __init__(
        self,
        store: EventStore,
        settings: FetchSettings,
        gate: HostGate,
        jitter: Callable[[], float],
    ) -> None:
        self.store = store
        self.settings = settings
        self.gate = gate
        self._jitter = jitter
        self.backoff = Backoff(settings.backoff_base, settings.backoff_cap)

    def succeeded(
        self,
        source: SourceConfig,
        mem: SourceMemory,
        result: FetchResult,
        now: datetime,
        cid: str,
        counts: Counter[str],
        *,
        items: int,
        force_event: bool = False,
    ) -> dict[str, int]:
        events = dict(counts)
        if result.status == 200 or result.validators.etag or result.validators.last_modified:
            mem.validators = result.validators
        mem.failures, mem.retry_at, mem.last_success = 0, None, now
        target = result.permanent_redirect
        if target is not None:
            mem.redirect_streak = mem.redirect_streak + 1 if target == mem.redirect_target else 1
        else:
            mem.redirect_streak = 0
        mem.redirect_target = target
        if counts or force_event or target is not None:
            self.append(
                source,
                SOURCE_FETCHED.new(
                    {
                        "source_id": source.id,
                        "url": result.url,
                        "status": result.status,
                        "etag": mem.validators.etag,
                        "last_modified": mem.validators.last_modified,
                        "bytes": result.bytes,
                        "latency_seconds": result.latency,
                        "items": items,
                        **counted(counts),
                        "permanent_redirect": target,
                        "fetched": timestamp(now),
                    },
                    metadata={"correlation_id": cid},
                ),
                events,
            )
        if target is not None and mem.redirect_streak >= self.settings.moved_after:
            self.append(
                source,
                SOURCE_MOVED.new(
                    {
                        "source_id": source.id,
                        "from_url": mem.url,
                        "to_url": target,
                        "status": result.redirect_status,
                        "streak": mem.redirect_streak,
                        "fetched": timestamp(now),
                    },
                    metadata={"correlation_id": cid},
                ),
                events,
            )
            log.warning("source %s: moved permanently %s -> %s", source.id, mem.url, target)
            mem.url, mem.redirect_target, mem.redirect_streak = target, None, 0
            mem.validators = Validators()
        return events

    def failed(
        self,
        source: SourceConfig,
        mem: SourceMemory,
        exc: FetchError,
        now: datetime,
        cid: str,
        *,
        host: str,
        result: FetchResult | None = None,
    ) -> PollReport:
        mem.failures += 1
        delay = self.backoff.delay(mem.failures, self._jitter())
        retry_at = now + timedelta(seconds=delay)
        if exc.status in (429, 503):
            until = retry_after_until(exc.retry_after, now=now, limit=self.settings.backoff_cap)
            if until is not None:
                self.gate.block(host, until)
                retry_at = until
        mem.retry_at = retry_at
        log.warning(
            "source %s: %s failed (%s): %s; retry at %s",
            source.id,
            mem.url,
            exc.reason,
            exc.message,
            timestamp(retry_at),
        )
        events: dict[str, int] = {}
        self.append(
            source,
            SOURCE_FETCH_FAILED.new(
                {
                    "source_id": source.id,
                    "url": mem.url,
                    "reason": exc.reason,
                    "message": exc.message,
                    "status": exc.status,
                    "failures": mem.failures,
                    "retry_at": timestamp(retry_at),
                    "fetched": timestamp(now),
                },
                metadata={"correlation_id": cid},
            ),
            events,
        )
        return PollReport(
            source.id,
            f"failed:{exc.reason}",
            mem.url,
            exc.status,
            result.latency if result else 0.0,
            result.bytes if result else 0,
            0,
            events,
            exc.message,
            retry_at,
        )

    def gone(
        self, source: SourceConfig, mem: SourceMemory, result: FetchResult, now: datetime, cid: str
    ) -> PollReport:
        mem.gone = True
        events: dict[str, int] = {}
        message = f"{mem.url} answered 410 Gone; the source is no longer polled"
        self.append(
            source,
            SOURCE_GONE.new(
                {
                    "source_id": source.id,
                    "url": mem.url,
                    "status": 410,
                    "message": message,
                    "fetched": timestamp(now),
                },
                metadata={"correlation_id": cid},
            ),
            events,
        )
        log.warning("source %s: %s", source.id, message)
        return PollReport(source.id, "gone", mem.url, 410, result.latency, 0, 0, events, message)

    def append(self, source: SourceConfig, event: NewEvent, events: dict[str, int]) -> None:
        """Append one fact to the source's stream and count it in `events`."""
        self.store.append(source_stream(source.id), [event])
        events[event.type] = events.get(event.type, 0) + 1


def counted(counts: Mapping[str, int]) -> Counted:
    """The article counts of a `SourceFetched` from a poll's events by type."""
    return {
        "ingested": counts.get(ARTICLE_INGESTED.name, 0),
        "revised": counts.get(ARTICLE_REVISED.name, 0),
        "sighted": counts.get(ARTICLE_SIGHTED.name, 0),
    }


class Counted(TypedDict):
    ingested: int
    revised: int
    sighted: int


def seed(source: SourceConfig, state: SourceState | None) -> SourceMemory:
    """Memory for a source from what the log says (or fresh)."""
    configured = source.location
    mem = SourceMemory(configured=configured, url=configured)
    if state is None:
        return mem
    mem.url = state.current_url(configured)
    mem.gone = state.gone_at(mem.url)
    if state.url == mem.url:
        mem.validators = Validators(state.etag, state.last_modified)
        mem.failures = state.failures
        mem.retry_at = maybe_parse_timestamp(state.retry_at)
        mem.redirect_target = state.redirect_target
        mem.redirect_streak = state.redirect_streak
    mem.last_success = maybe_parse_timestamp(state.last_success)
    mem.last_attempt = maybe_parse_timestamp(state.last_attempt)
    return mem
