"""A folder poll as a pipeline: batches read ahead (in reader processes for large polls)
while the poller records each batch in file order."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from ingest.normalise.items import Item
from ingest.parse.folder import FileStamp, FolderBatch
from ingest.parse.readers import ReaderProcess, ReaderUnavailable

log = logging.getLogger(__name__)

#: Files read and appended per step of a folder poll.
FOLDER_BATCH = 1000
#: A folder poll with at least this many new or changed files reads them in reader
#: processes (`ingest.parse.readers`); smaller polls are not worth starting processes for.
READERS_FROM = 4 * FOLDER_BATCH

#: Reads a batch in this process (in a thread): the fallback, and the first batch.
ReadHere = Callable[..., Awaitable[FolderBatch]]
#: Records a batch's items and returns the events appended by type.
Record = Callable[[Sequence[Item]], Awaitable[Counter[str]]]


def batches(paths: Sequence[Path]) -> list[Sequence[Path]]:
    """`paths` in steps of `FOLDER_BATCH`: memory stays bounded for large folders."""
    return [paths[start : start + FOLDER_BATCH] for start in range(0, len(paths), FOLDER_BATCH)]


def start_readers(count: int) -> list[ReaderProcess]:
    """`count` reader processes; fewer (maybe none) if they cannot be started, in which
    case the poll reads in-process."""
    procs: list[ReaderProcess] = []
    try:
        for _ in range(count):
            procs.append(ReaderProcess())
    except ReaderUnavailable as exc:
        log.warning("%s; reading files in-process", exc)
    return procs


def close_all(procs: Sequence[ReaderProcess]) -> None:
    for proc in procs:
        proc.close()


async def read_and_record(
    chunks: Sequence[Sequence[Path]],
    procs: Sequence[ReaderProcess],
    *,
    language: str | None,
    headline_rule: str = "sentence",
    read_here: ReadHere,
    record: Record,
    stamps: dict[str, FileStamp],
    source_id: str,
) -> tuple[Counter[str], int, int]:
    """Read batches ahead while recording each batch in order, so that the dedup decisions
    are those of a sequential read. Returns (events by type, bytes read, items).

    Files that could not be read are dropped from `stamps`, to be read again next poll.
    """
    counts: Counter[str] = Counter()
    size = items = 0
    working = list(procs)

    async def read(n: int) -> FolderBatch:
        # The first batch is read here while the reader processes start up (importing
        # takes them a few hundred milliseconds); this process has nothing else to do yet.
        if working and n > 0:
            proc = working[n % len(working)]
            try:
                return await asyncio.to_thread(
                    proc.read, chunks[n], language=language, headline_rule=headline_rule
                )
            except ReaderUnavailable as exc:
                log.warning("source %s: %s; reading in-process", source_id, exc)
                if proc in working:
                    working.remove(proc)
        return await read_here(chunks[n], language=language, headline_rule=headline_rule)

    # Two batches ahead per reader process, so that a reader never waits for the recorder
    # to take its answer (in-process, one: recording waits on the database with the GIL
    # released, so reading overlaps it a little). Memory stays bounded by the read-ahead.
    ahead = max(1, 2 * len(working))
    pending = {n: asyncio.create_task(read(n)) for n in range(min(ahead, len(chunks)))}
    try:
        for n in range(len(chunks)):
            batch = await pending.pop(n)
            if n + ahead < len(chunks):
                pending[n + ahead] = asyncio.create_task(read(n + ahead))
            for warning in batch.warnings:
                log.warning("source %s: %s", source_id, warning)
            for failed in batch.failed:
                stamps.pop(failed, None)
            size += batch.bytes
            items += len(batch.items)
            counts += await record(batch.items)
    finally:
        for task in pending.values():
            task.cancel()
        await asyncio.gather(*pending.values(), return_exceptions=True)
    return counts, size, items
