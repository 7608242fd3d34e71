"""Being a good client: Retry-After per host, gaps between requests and a concurrency cap."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from newsfacts import timestamp

log = logging.getLogger(__name__)
#: The longest one source's `Retry-After` holds the other sources of its host.
HOST_WAIT = timedelta(hours=1)


def retry_after_until(value: str | None, *, now: datetime, limit: float) -> datetime | None:
    """The moment a `Retry-After` header (seconds or HTTP date) ends, at most `limit` away."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return now + timedelta(seconds=min(float(value), limit))
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return None
    return min(max(moment, now), now + timedelta(seconds=limit))


class HostGate:
    """A global cap on requests in flight and a minimum gap between requests to one host.

    Also remembers per host until when a `Retry-After` asked us to stay away; other hosts
    are unaffected (FreshRSS applies it to a whole domain; miniflux ignores it).
    """

    def __init__(self, *, concurrency: int, gap: float, per_host: int | None = None) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        # A slow host waits on its own share before it may take a global slot, so it never
        # holds more than `per_host` of them, whatever it is asked for.
        self._per_host = per_host or concurrency
        self._host_slots: dict[str, asyncio.Semaphore] = {}
        self._gap = gap
        self._next_start: dict[str, float] = {}
        self._blocked: dict[str, datetime] = {}

    def block(self, host: str, until: datetime, *, now: datetime, asked_by: str) -> None:
        """Hold `host`'s other sources until `until` (a source's `Retry-After`), at most
        HOST_WAIT: one source's "Retry-After: Fri, 01 Jan 2100" held every feed of a shared
        host for the whole back-off cap, a day, and said nothing. Asked again, they wait
        again; the source that was answered waits as long as it was asked."""
        if until - now > HOST_WAIT:
            log.warning(
                "source %s: %s asked to wait until %s (Retry-After); its other sources"
                " wait until %s",
                asked_by, host, timestamp(until), timestamp(now + HOST_WAIT),
            )  # fmt: skip
            until = now + HOST_WAIT
        self._blocked[host] = max(until, self._blocked.get(host, until))

    def blocked_until(self, host: str, now: datetime) -> datetime | None:
        until = self._blocked.get(host)
        if until is None:
            return None
        if until <= now:
            del self._blocked[host]
            return None
        return until

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        """Wait for a free slot and for the host's gap, then hold the slot for one request."""
        # Reserve this host's next start time before waiting, so that concurrent callers
        # queue up one gap apart instead of all waking at once.
        now = time.monotonic()
        start = max(now, self._next_start.get(host, 0.0))
        self._next_start[host] = start + self._gap
        if start > now:
            await asyncio.sleep(start - now)
        host_slots = self._host_slots.setdefault(host, asyncio.Semaphore(self._per_host))
        async with host_slots, self._slots:
            yield
