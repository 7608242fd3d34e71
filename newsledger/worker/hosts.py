"""Each host's share of the polling threads: a host that is slow right now holds at most
half of them (its HTTP requests are held to `[fetch] host_concurrency` by the gate), so it
cannot keep every other source waiting."""

from __future__ import annotations

import threading
from collections import Counter
from urllib.parse import urlsplit

from ingest import SourceConfig


class HostShares:
    """Counts polls in flight per host; `enter` says whether one more may start."""

    def __init__(self, share: int) -> None:
        self.share = share
        self._lock = threading.Lock()
        self._busy: Counter[str] = Counter()

    @staticmethod
    def host(source: SourceConfig | None) -> str | None:
        """The host (and port) a source's polls go to; None for folders (no HTTP at all)."""
        if source is None or source.url is None:
            return None
        parts = urlsplit(source.url)
        return f"{(parts.hostname or '').lower()}:{parts.port or ''}"

    def enter(self, source: SourceConfig | None) -> bool:
        host = self.host(source)
        if host is None:
            return True
        with self._lock:
            if self._busy[host] >= self.share:
                return False
            self._busy[host] += 1
            return True

    def leave(self, source: SourceConfig | None) -> None:
        host = self.host(source)
        if host is not None:
            with self._lock:
                self._busy[host] -= 1
