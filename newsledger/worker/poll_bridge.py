"""The bridge from the scheduler's threads to ingest's asyncio `Poller`.

`ingest.poller.Poller` is asynchronous and must live on one event loop (its HTTP client
and per-host gate belong to that loop). APScheduler runs jobs in threads, so this module
keeps one loop in a daemon thread and hands each poll to it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from ingest import PollReport, SourceConfig

if TYPE_CHECKING:
    from newsledger.app import App

T = TypeVar("T")

__all__ = ["IngestPoller", "PollReport", "SourcePoller"]


class SourcePoller(Protocol):
    """What the worker needs from ingestion."""

    def poll(self, source: SourceConfig) -> PollReport: ...

    def due(self, sources: Sequence[SourceConfig]) -> list[SourceConfig]: ...

    def forget(self, source_id: str) -> None: ...

    def close(self) -> None: ...


class IngestPoller:
    """`ingest.poller.Poller` on its own event loop, callable from any thread."""

    def __init__(self, app: App) -> None:
        from ingest import Poller

        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="ingest-loop", daemon=True
        )
        self._thread.start()

        async def build() -> Poller:
            # Built on the loop so its client and semaphores belong to it.
            return Poller(app.store, app.ingest_config, runner=app.runner)

        self.poller = self._run(build())

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def poll(self, source: SourceConfig) -> PollReport:
        """Poll now (ingest itself skips a source still backing off: outcome `deferred`)."""
        return self._run(self.poller.poll_source(source, now=datetime.now(UTC)))

    def due(self, sources: Sequence[SourceConfig]) -> list[SourceConfig]:
        """The sources whose interval has passed and whose back-off has ended."""
        now = datetime.now(UTC)

        async def due() -> list[SourceConfig]:
            return self.poller.due(now, sources)

        return self._run(due())

    def forget(self, source_id: str) -> None:
        """Drop what the poller remembers of `source_id` (another replica polled it)."""

        async def forget() -> None:
            self.poller.forget(source_id)

        self._run(forget())

    def close(self) -> None:
        if self._loop.is_closed():
            return
        try:
            self._run(self.poller.aclose())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(2)
            if not self._thread.is_alive():
                self._loop.close()
