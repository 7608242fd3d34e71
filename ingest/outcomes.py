"""How a poll ends: memory updated, source facts appended, the report built."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from ingest.config import FetchSettings, SourceConfig
from ingest.errors import FetchError
from ingest.events import (
    SOURCE_FETCH_FAILED,
    SOURCE_FETCHED,
    SOURCE_GONE,
    SOURCE_MOVED,
    iso,
    parse_iso,
    source_stream,
)
from ingest.fetcher import FetchResult, Validators
from ingest.politeness import HostGate, backoff_delay, retry_after_until
from ingest.projections import SourceState
from ingest.reports import PollReport, SourceMemory
from store import EventStore, NewEvent

log = logging.getLogger("ingest.poller")


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
                SOURCE_FETCHED,
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
                    "fetched": iso(now),
                },
                cid,
                events,
            )
        if target is not None and mem.redirect_streak >= self.settings.moved_after:
            self.append(
                source,
                SOURCE_MOVED,
                {
                    "source_id": source.id,
                    "from_url": mem.url,
                    "to_url": target,
                    "status": result.redirect_status,
                    "streak": mem.redirect_streak,
                    "fetched": iso(now),
                },
                cid,
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
        delay = backoff_delay(
            mem.failures,
            base=self.settings.backoff_base,
            cap=self.settings.backoff_cap,
            jitter=self._jitter(),
        )
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
            iso(retry_at),
        )
        events: dict[str, int] = {}
        self.append(
            source,
            SOURCE_FETCH_FAILED,
            {
                "source_id": source.id,
                "url": mem.url,
                "reason": exc.reason,
                "message": exc.message,
                "status": exc.status,
                "failures": mem.failures,
                "retry_at": iso(retry_at),
                "fetched": iso(now),
            },
            cid,
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
            SOURCE_GONE,
            {
                "source_id": source.id,
                "url": mem.url,
                "status": 410,
                "message": message,
                "fetched": iso(now),
            },
            cid,
            events,
        )
        log.warning("source %s: %s", source.id, message)
        return PollReport(source.id, "gone", mem.url, 410, result.latency, 0, 0, events, message)

    def append(
        self,
        source: SourceConfig,
        kind: str,
        data: dict[str, Any],
        cid: str,
        events: dict[str, int],
    ) -> None:
        self.store.append(
            source_stream(source.id), [NewEvent(kind, data, metadata={"correlation_id": cid})]
        )
        events[kind] = events.get(kind, 0) + 1


def counted(counts: Counter[str]) -> dict[str, int]:
    return {
        "ingested": counts.get("ArticleIngested", 0),
        "revised": counts.get("ArticleRevised", 0),
        "sighted": counts.get("ArticleSighted", 0),
    }


def seed(source: SourceConfig, state: SourceState | None) -> SourceMemory:
    """Memory for a source from what the log says (or fresh)."""
    configured = source.location
    mem = SourceMemory(configured=configured, url=configured)
    if state is None:
        return mem
    if state.moved_to and state.moved_from == configured:
        mem.url = state.moved_to
    mem.gone = state.gone_url is not None and state.gone_url == mem.url
    if state.url == mem.url:
        mem.validators = Validators(state.etag, state.last_modified)
        mem.failures = state.failures
        mem.retry_at = parse_iso(state.retry_at)
        mem.redirect_target = state.redirect_target
        mem.redirect_streak = state.redirect_streak
    mem.last_success = parse_iso(state.last_success)
    mem.last_attempt = parse_iso(state.last_attempt)
    return mem
