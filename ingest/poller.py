"""The orchestrator: the story of polling one source, and of a round over many."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import random
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from ingest.budget import ConcurrencyBudget
from ingest.config import IngestConfig, SourceConfig
from ingest.errors import FetchError
from ingest.fetch.fetcher import Fetcher, FetchResult, host_of
from ingest.fetch.politeness import HostGate
from ingest.folders import READERS_FROM, batches, close_all, read_and_record, start_readers
from ingest.full_text import PAGE_ACCEPT, FullText
from ingest.memory import SourceMemory, note_after, seed, skipped_poll
from ingest.notes import PollNote, keep_note, poll_notes
from ingest.parse.folder import list_folder, read_files
from ingest.parse.response import parse_response
from ingest.projections import SourceState, next_poll, source_states
from ingest.record.recorder import ArticleRecorder, SourceRef
from ingest.record.source_facts import SourceFacts
from ingest.reports import PollReport
from newsfacts import SOURCE_MOVED, timestamp
from store import EventStore, ProjectionRunner, StoreError

log = logging.getLogger(__name__)
T = TypeVar("T")

FEED_ACCEPT = (
    "application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1"
)


class Poller:
    """Polls sources into the store. One per process; safe to share between tasks of one loop.

    Async: `await poll_source(source, now=...)` or `await poll_sources(sources, now=...)`.
    `now` stamps the events and drives backoff decisions; no clock is read here.
    """

    def __init__(
        self,
        store: EventStore,
        config: IngestConfig,
        *,
        runner: ProjectionRunner | None = None,
        fetcher: Fetcher | None = None,
        jitter: Callable[[], float] = random.random,
        readers: int | None = None,
        readers_from: int = READERS_FROM,
    ) -> None:
        self.store = store
        self.config = config
        self.settings = config.fetch
        self.fetcher = fetcher or Fetcher(config.fetch)
        self.budget = ConcurrencyBudget(requests=config.fetch.concurrency)
        self.gate = HostGate(
            concurrency=self.budget.requests,
            gap=config.fetch.host_gap,
            per_host=config.fetch.host_concurrency,
        )
        self.recorder = ArticleRecorder(store)
        self.facts = SourceFacts(store, config.fetch, self.gate, jitter)
        self.full_text = FullText(
            store, self.fetcher, self.gate, self._blocking, limit=config.fetch.full_text_limit
        )
        self._runner = runner or ProjectionRunner(store, [])
        # Reader processes for large folder polls (0: none). By default one per core but
        # one, since this process keeps a core busy recording what they read.
        self._readers = max(1, (os.cpu_count() or 1) - 1) if readers is None else readers
        self._readers_from = readers_from
        # Parsing and the store run in threads, `budget.work` at a time (ingest.budget).
        self._work = asyncio.Semaphore(self.budget.work)
        self._memory: dict[str, SourceMemory] = {}
        self._states: dict[str, SourceState] | None = None
        self._notes: dict[str, PollNote] = {}
        self._stale: set[str] = set()  # sources another replica polled since their seeding

    async def aclose(self) -> None:
        await self.fetcher.aclose()

    # -- state -----------------------------------------------------------------------

    def memory(self, source: SourceConfig, now: datetime) -> SourceMemory:
        """This process's state of `source`, seeded from the log and the source's note on
        first use (`now` dates what a note may hold)."""
        mem = self._memory.get(source.id)
        if mem is not None and mem.configured == source.location:
            return mem
        if self._states is None:
            self._states = source_states(self._runner)
            self._notes = poll_notes(self.store, now=now)
        elif source.id in self._stale:
            # Another replica polled it meanwhile: what the log and its note say now.
            self._states.update(source_states(self._runner, source_id=source.id))
            self._notes.update(poll_notes(self.store, now=now, source_id=source.id))
        self._stale.discard(source.id)
        mem = seed(source.location, self._states.get(source.id), self._notes.get(source.id))
        self._memory[source.id] = mem
        return mem

    def forget(self, source_id: str) -> None:
        """Drop what this process remembers of `source_id`: another replica held it and
        polled it since (its failures, recovery and validators are in the log and its note
        now), so the next use reads them again."""
        if self._memory.pop(source_id, None) is not None:
            self._stale.add(source_id)

    def due(
        self, now: datetime, sources: Sequence[SourceConfig] | None = None
    ) -> list[SourceConfig]:
        """Enabled sources whose interval has passed and whose backoff has ended."""
        chosen = []
        for source in self.config.sources if sources is None else sources:
            mem = self.memory(source, now)
            if not source.enabled or mem.gone:
                continue
            due = next_poll(
                interval=source.interval, last_attempt=mem.last_attempt, retry_at=mem.retry_at
            )
            if due is None or due <= now:
                chosen.append(source)
        return chosen

    # -- a round ---------------------------------------------------------------------

    async def poll_sources(
        self, sources: Sequence[SourceConfig] | None = None, *, now: datetime, force: bool = False
    ) -> list[PollReport]:
        """Poll `sources` (default: all configured) concurrently, within the gate's limits."""
        chosen = list(self.config.sources if sources is None else sources)
        return list(
            await asyncio.gather(*(self.poll_source(s, now=now, force=force) for s in chosen))
        )

    # -- one source ------------------------------------------------------------------

    async def poll_source(
        self, source: SourceConfig, *, now: datetime, force: bool = False
    ) -> PollReport:
        """Poll one source; every failure becomes a report (and a SourceFetchFailed), never
        an exception, except a store outage, which the caller must see."""
        try:
            report = await self._poll(source, now=now, force=force)
        except StoreError:
            raise
        except Exception as exc:  # a bug must not stop the other sources of the round
            log.exception("source %s: unexpected error", source.id)
            return await self._blocking(
                self.facts.unexpected, source, self.memory(source, now), exc, now
            )
        await self._keep_note(source, report, now)
        return report

    async def _keep_note(self, source: SourceConfig, report: PollReport, now: datetime) -> None:
        """The note the poll leaves, if any (ingest/notes.py). One that cannot be written
        costs the next process a poll, never this one's facts, which are appended already."""
        mem = self._memory.get(source.id)
        note = note_after(mem, report, now) if mem is not None else None
        if note is None:
            return
        try:
            await self._blocking(keep_note, self.store, source.id, note)
        except StoreError as exc:
            log.warning("source %s: its poll note was not kept: %s", source.id, exc)

    async def _poll(self, source: SourceConfig, *, now: datetime, force: bool) -> PollReport:
        """Skip it (disabled, gone, backing off), or read the folder, or fetch the URL."""
        mem = self.memory(source, now)
        if (skipped := skipped_poll(source, mem, now, force=force)) is not None:
            return skipped
        mem.last_attempt = now
        cid = str(uuid.uuid4())
        if source.kind == "folder":
            return await self._poll_folder(source, mem, now, cid)
        host = host_of(mem.url)
        if (until := self.gate.blocked_until(host, now)) is not None:
            message = f"{host} asked to wait (Retry-After) until {timestamp(until)}"
            log.info("source %s: deferred: %s", source.id, message)
            return PollReport(source.id, "deferred", mem.url, retry_at=until, message=message)
        try:
            async with self.gate.slot(host):
                accept = FEED_ACCEPT if source.kind == "feed" else PAGE_ACCEPT
                # The operator wrote the source's URL; a URL it moved to came from a redirect.
                trusted = mem.url == source.url
                result = await self.fetcher.fetch(
                    mem.url, validators=mem.validators, accept=accept, trusted=trusted
                )
        except FetchError as exc:
            return await self._blocking(self.facts.failed, source, mem, exc, now, cid, host=host)
        log.info(
            "source %s: GET %s -> %d (%d bytes)", source.id, mem.url, result.status, result.bytes
        )
        if result.status == 410:
            return await self._blocking(self.facts.gone, source, mem, result, now, cid)
        if result.status == 304:
            return await self._not_modified(source, mem, result, now, cid)
        return await self._fetched(source, mem, result, now, cid, host)

    async def _not_modified(
        self, source: SourceConfig, mem: SourceMemory, result: FetchResult, now: datetime, cid: str
    ) -> PollReport:
        """A 304: nothing new; a fact only when it ends a run of failures."""
        mem.last_not_modified = now
        events = await self._blocking(
            self.facts.succeeded, source, mem, result, now, cid, Counter(), items=0
        )
        return PollReport(source.id, "not_modified", result.url, 304, result.latency, 0, 0, events)

    async def _fetched(
        self,
        source: SourceConfig,
        mem: SourceMemory,
        result: FetchResult,
        now: datetime,
        cid: str,
        host: str,
    ) -> PollReport:
        """A body: parse it (and fetch full text), record the items, record the poll."""
        try:
            items, skipped = await self._blocking(parse_response, source, result)
            if source.full_text:
                items = await self.full_text.fill(source, items)
        except FetchError as exc:
            return await self._blocking(
                self.facts.failed, source, mem, exc, now, cid, host=host, result=result
            )
        ref = SourceRef(source.id, source.kind, source.zone)
        count = len(items)
        # Consumed: each chunk's items are freed once appended (ingest/record/recorder.py).
        counts = await self._blocking(
            self.recorder.record, ref, items, fetched=now, correlation_id=cid, consume=True
        )
        events = await self._blocking(
            self.facts.succeeded, source, mem, result, now, cid, counts, items=count,
            skipped=skipped, force_event=skipped > 0,
        )  # fmt: skip
        outcome = "moved" if events.get(SOURCE_MOVED.name) else "ok"
        return PollReport(
            source.id, outcome, result.url, result.status, result.latency, result.bytes,
            count, events,
        )  # fmt: skip

    async def _blocking(self, func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run blocking work in a thread, within the work slots."""
        async with self._work:
            return await asyncio.to_thread(func, *args, **kwargs)

    async def _poll_folder(
        self, source: SourceConfig, mem: SourceMemory, now: datetime, cid: str
    ) -> PollReport:
        """List new and changed files, read and record them in batches, record the poll."""
        assert source.path is not None
        try:
            listing = await self._blocking(list_folder, source.path, known=mem.stamps)
        except FetchError as exc:
            return await self._blocking(self.facts.failed, source, mem, exc, now, cid, host="")
        ref = SourceRef(source.id, source.kind, source.zone)
        stamps = dict(listing.stamps)
        large = len(listing.changed) >= self._readers_from
        procs = start_readers(self._readers if large else 0)
        try:
            counts, size, items = await read_and_record(
                batches(listing.changed),
                procs,
                language=source.language,
                headline_rule=source.headline,
                read_here=functools.partial(self._blocking, read_files),
                record=functools.partial(
                    self._blocking, self.recorder.record, ref, fetched=now, correlation_id=cid
                ),
                stamps=stamps,
                source_id=source.id,
            )
        finally:
            if procs:
                await asyncio.to_thread(close_all, procs)
        mem.stamps = stamps
        events = await self._blocking(
            self.facts.folder_read, source, mem, now, cid, counts, size=size, items=items
        )
        return PollReport(source.id, "ok", str(source.path), None, 0.0, size, items, events)
