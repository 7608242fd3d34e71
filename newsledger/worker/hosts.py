"""Each host's share of the polling threads: a host that is slow right now holds at most
half of them (its HTTP requests are held to `[fetch] host_concurrency` by the gate), so it
cannot keep every other source waiting.

A poll that finds its host's share full is not dropped: it waits in the host's queue, and
the next poll of that host to finish hands its thread slot to the oldest waiter. Dropping
it starved sources: sources on one interval fire together every period, always in the
same order, so with polls slower than the share allowed the same ones lost every time
and were never polled (a replica then never took over a dead one's sources).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from urllib.parse import urlsplit

from ingest import SourceConfig


class HostShares:
    """Counts polls in flight per host and queues, in order, the sources that wait."""

    def __init__(self, share: int) -> None:
        self.share = share
        self._lock = threading.Lock()
        self._busy: Counter[str] = Counter()
        # Insertion-ordered and without duplicates: a source waits once, however often
        # its job fires meanwhile, and keeps its place.
        self._waiting: dict[str, dict[str, None]] = {}
        # Handed a slot, their poll not started yet: a firing meanwhile queues nothing
        # (it would be handed a second slot and polled twice in a row).
        self._turns: set[str] = set()

    @staticmethod
    def host(source: SourceConfig | None) -> str | None:
        """The host (and port) a source's polls go to; None for folders (no HTTP at all)."""
        if source is None or source.url is None:
            return None
        parts = urlsplit(source.url)
        return f"{(parts.hostname or '').lower()}:{parts.port or ''}"

    def enter(self, host: str | None, source_id: str) -> bool:
        """Take a slot of `host` for `source_id`; when none is free, queue it and say no."""
        if host is None:
            return True
        with self._lock:
            if source_id in self._turns:
                return False  # its turn is coming
            # A slot is only ever free when nobody waits (`leave` hands it over), so an
            # entrant never overtakes a waiter.
            if self._busy[host] >= self.share:
                self._waiting.setdefault(host, {})[source_id] = None
                return False
            self._busy[host] += 1
            return True

    def leave(self, host: str | None) -> str | None:
        """Give back a slot of `host`: the source it is handed to (the oldest waiter, which
        now holds it and must `leave` in turn), or None when nobody waits."""
        if host is None:
            return None
        with self._lock:
            waiting = self._waiting.get(host)
            if waiting and self._busy[host] <= self.share:
                handed = next(iter(waiting))
                del waiting[handed]
                if not waiting:
                    del self._waiting[host]
                self._turns.add(handed)
                return handed
            self._busy[host] -= 1
            return None

    def pass_on(self, host: str | None, run: Callable[[str], bool]) -> None:
        """`leave`, starting the waiter handed the slot with `run(source_id)`; when that
        says no (nobody will run it: the worker is stopping), the next waiter gets the
        slot, until it is freed."""
        handed = self.leave(host)
        while handed is not None and not run(handed):
            self.turn_taken(handed)
            handed = self.leave(host)

    def turn_taken(self, source_id: str) -> None:
        """The poll handed a slot for `source_id` has started (or will never run)."""
        with self._lock:
            self._turns.discard(source_id)

    def waiting(self, host: str) -> list[str]:
        """The sources queued for `host`, oldest first."""
        with self._lock:
            return list(self._waiting.get(host, ()))

    def busy(self, host: str) -> int:
        with self._lock:
            return self._busy[host]
