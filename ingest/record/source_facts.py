"""How a poll ends: the source's memory updated, its facts appended, the report built."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TypedDict

from ingest.backoff import Backoff
from ingest.config import FetchSettings, SourceConfig
from ingest.errors import FetchError
from ingest.fetch.fetcher import FetchResult, Validators
from ingest.fetch.politeness import HostGate, retry_after_until
from ingest.memory import SourceMemory
from ingest.reports import PollReport
from newsfacts import (
    ARTICLE_INGESTED,
    ARTICLE_REVISED,
    ARTICLE_SIGHTED,
    SOURCE_FETCH_FAILED,
    SOURCE_FETCHED,
    SOURCE_GONE,
    SOURCE_MOVED,
    SourceFetchedData,
    source_stream,
    timestamp,
)
from store import EventStore, NewEvent, StoreError

log = logging.getLogger(__name__)


class Counted(TypedDict):
    ingested: int
    revised: int
    sighted: int


def counted(counts: Mapping[str, int]) -> Counted:
    """The article counts of a `SourceFetched` from a poll's events by type."""
    return {
        "ingested": counts.get(ARTICLE_INGESTED.name, 0),
        "revised": counts.get(ARTICLE_REVISED.name, 0),
        "sighted": counts.get(ARTICLE_SIGHTED.name, 0),
    }


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

    # -- a response ------------------------------------------------------------------

    def succeeded(
        self,
        source: SourceConfig,
        mem: SourceMemory,
        result: FetchResult,
        now: datetime,
        cid: str,
        counts: Mapping[str, int],
        *,
        items: int,
        skipped: int = 0,
        force_event: bool = False,
    ) -> dict[str, int]:
        """A 200 or a 304: `SourceFetched` when it brought something, recovered from
        failures (a 200 that brought nothing new too: the log must hear the source is
        well) or came through a permanent redirect; `SourceMoved` once that is settled."""
        events = dict(counts)
        recovered = _remember_success(mem, result, now)
        target = result.permanent_redirect
        if counts or force_event or recovered or target is not None:
            data: SourceFetchedData = {
                "source_id": source.id,
                "url": result.url,
                "status": result.status,
                "etag": mem.validators.etag,
                "last_modified": mem.validators.last_modified,
                "bytes": result.bytes,
                "latency_seconds": result.latency,
                "items": items,
                **counted(counts),  # type: ignore[typeddict-item]  # mypy vs NotRequired
                "permanent_redirect": target,
                "fetched": timestamp(now),
            }
            if skipped:  # a feed longer than a poll reads: the fact says how much was left
                data["entries_skipped"] = skipped
            self.append(source, SOURCE_FETCHED.new(data, metadata=_meta(cid)), events)
        if target is not None and mem.redirect_streak >= self.settings.moved_after:
            self._moved(source, mem, result, target, now, cid, events)
        return events

    def folder_read(
        self,
        source: SourceConfig,
        mem: SourceMemory,
        now: datetime,
        cid: str,
        counts: Mapping[str, int],
        *,
        size: int,
        items: int,
    ) -> dict[str, int]:
        """A folder read: `SourceFetched` when it brought something or recovered."""
        events = dict(counts)
        recovered = _succeeded(mem, now)
        if counts or recovered:
            data: SourceFetchedData = {
                "source_id": source.id,
                "url": str(source.path),
                "status": None,
                "etag": None,
                "last_modified": None,
                "bytes": size,
                "latency_seconds": 0.0,
                "items": items,
                **counted(counts),  # type: ignore[typeddict-item]  # mypy vs NotRequired
                "permanent_redirect": None,
                "fetched": timestamp(now),
            }
            self.append(source, SOURCE_FETCHED.new(data, metadata=_meta(cid)), events)
        return events

    def _moved(
        self,
        source: SourceConfig,
        mem: SourceMemory,
        result: FetchResult,
        target: str,
        now: datetime,
        cid: str,
        events: dict[str, int],
    ) -> None:
        moved = SOURCE_MOVED.new(
            {
                "source_id": source.id,
                "from_url": mem.url,
                "to_url": target,
                "status": result.redirect_status,
                "streak": mem.redirect_streak,
                "fetched": timestamp(now),
            },
            metadata=_meta(cid),
        )
        self.append(source, moved, events)
        log.warning("source %s: moved permanently %s -> %s", source.id, mem.url, target)
        mem.url, mem.redirect_target, mem.redirect_streak = target, None, 0
        mem.validators = Validators()

    # -- no usable response ----------------------------------------------------------

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
        """`SourceFetchFailed`, with the next attempt decided by back-off or Retry-After."""
        mem.failures += 1
        retry_at = self._retry_at(mem.failures, exc, now, host, source.id)
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
        failed = SOURCE_FETCH_FAILED.new(
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
            metadata=_meta(cid),
        )
        self.append(source, failed, events)
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

    def unexpected(
        self, source: SourceConfig, mem: SourceMemory, exc: Exception, now: datetime
    ) -> PollReport:
        """An error of ours (a bug), recorded as a failure like any other (back-off,
        `sources`, `status`): with no fact, a source failing so on every poll showed as
        healthy. A store outage is the caller's; nothing else stops the round."""
        message = f"{type(exc).__name__}: {exc}"
        failure = FetchError("internal", f"unexpected error: {message}")
        try:
            self.failed(source, mem, failure, now, str(uuid.uuid4()), host="")
        except StoreError:
            raise
        except Exception:
            log.exception("source %s: cannot record the failure", source.id)
        return PollReport(source.id, "error", source.location, message=message)

    def _retry_at(
        self, failures: int, exc: FetchError, now: datetime, host: str, source_id: str
    ) -> datetime:
        retry_at = now + timedelta(seconds=self.backoff.delay(failures, self._jitter()))
        if exc.status in (429, 503):
            until = retry_after_until(exc.retry_after, now=now, limit=self.settings.backoff_cap)
            if until is not None:
                self.gate.block(host, until, now=now, asked_by=source_id)
                retry_at = until
        return retry_at

    def gone(
        self, source: SourceConfig, mem: SourceMemory, result: FetchResult, now: datetime, cid: str
    ) -> PollReport:
        """`SourceGone`: the server answered 410; the URL is not requested again."""
        mem.gone = True
        events: dict[str, int] = {}
        message = f"{mem.url} answered 410 Gone; the source is no longer polled"
        gone = SOURCE_GONE.new(
            {
                "source_id": source.id,
                "url": mem.url,
                "status": 410,
                "message": message,
                "fetched": timestamp(now),
            },
            metadata=_meta(cid),
        )
        self.append(source, gone, events)
        log.warning("source %s: %s", source.id, message)
        return PollReport(source.id, "gone", mem.url, 410, result.latency, 0, 0, events, message)

    def append(self, source: SourceConfig, event: NewEvent, events: dict[str, int]) -> None:
        """Append one fact to the source's stream and count it in `events`."""
        self.store.append(source_stream(source.id), [event])
        events[event.type] = events.get(event.type, 0) + 1


def _succeeded(mem: SourceMemory, now: datetime) -> bool:
    """A poll of the source succeeded at `now`: its failures end. Whether it recovers from
    failures (here, or at the URL it had before), which the log must hear."""
    recovered = mem.failures > 0 or mem.log_failing
    mem.failures, mem.retry_at, mem.last_success, mem.log_failing = 0, None, now, False
    return recovered


def _remember_success(mem: SourceMemory, result: FetchResult, now: datetime) -> bool:
    """A response's success in `mem` (its validators, the redirect streak); whether it is a
    recovery (`_succeeded`)."""
    if result.status == 200 or result.validators.etag or result.validators.last_modified:
        mem.validators = result.validators
    recovered = _succeeded(mem, now)
    target = result.permanent_redirect
    if target is not None:
        mem.redirect_streak = mem.redirect_streak + 1 if target == mem.redirect_target else 1
    else:
        mem.redirect_streak = 0
    mem.redirect_target = target
    return recovered


def _meta(cid: str) -> dict[str, str]:
    return {"correlation_id": cid}
