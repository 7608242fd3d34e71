"""The worker's APScheduler jobs: the scheduler with its thread pools, each source's
interval job, and one-off polls (a retry on the store's back-off, a host turn)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from ingest import SourceConfig

_turns = itertools.count()  # ids of host turns: next() on a count is atomic


def new_scheduler(*, threads: int, misfire_grace: float) -> BackgroundScheduler:
    """A scheduler polling in `threads` threads, with a thread of its own for the lease
    heartbeat (behind a queue of polls it would come too late) and two for folders (no
    HTTP: never behind slow hosts)."""
    return BackgroundScheduler(
        executors={
            "default": ThreadPoolExecutor(threads),
            "heartbeat": ThreadPoolExecutor(1),
            "folders": ThreadPoolExecutor(2),
        },
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": max(1, int(misfire_grace)),
        },
        timezone=UTC,
    )


def schedule_source(
    scheduler: BackgroundScheduler,
    poll: Callable[[str], Any],
    source: SourceConfig,
    *,
    stagger: float,
    jitter: float,
) -> None:
    """Poll `source` every interval, the first time within `stagger` seconds."""
    first = datetime.now(UTC) + timedelta(seconds=random.uniform(0, min(stagger, source.interval)))
    scheduler.add_job(
        poll,
        IntervalTrigger(seconds=source.interval, jitter=jitter or None, timezone=UTC),
        args=[source.id],
        id=f"source:{source.id}",
        name=f"poll {source.id}",
        replace_existing=True,
        next_run_time=first,
        executor="folders" if source.kind == "folder" else "default",
    )


def retry_later(
    scheduler: BackgroundScheduler,
    poll: Callable[[str], Any],
    source_id: str,
    delay: float,
    *,
    executor: str = "default",
) -> None:
    """Poll `source_id` once after `delay` seconds (its own interval may be an hour), on
    `executor`, the source's own pool (folders have theirs)."""
    scheduler.add_job(
        poll,
        "date",
        args=[source_id],
        id=f"retry:{source_id}",
        replace_existing=True,
        run_date=datetime.now(UTC) + timedelta(seconds=delay),
        executor=executor,
    )


#: Seconds after a back-off's end that its retry starts: a poll that starts before the
#: end is deferred, not made (`Poller.due`).
RETRY_MARGIN = 0.5


def retry_when_due(
    scheduler: BackgroundScheduler,
    poll: Callable[[str], Any],
    source_id: str,
    retry_at: datetime,
) -> bool:
    """Poll a failed source once its back-off ends, if that comes before its next interval
    poll (a back-off longer than the interval defers the interval polls instead). True if
    a retry was scheduled."""
    job = scheduler.get_job(f"source:{source_id}") if scheduler.running else None
    next_poll = getattr(job, "next_run_time", None)
    if next_poll is None or retry_at >= next_poll:
        return False
    delay = (retry_at - datetime.now(UTC)).total_seconds() + RETRY_MARGIN
    executor = getattr(job, "executor", "default")
    retry_later(scheduler, poll, source_id, max(RETRY_MARGIN, delay), executor=executor)
    return True


def host_turn(
    scheduler: BackgroundScheduler, poll: Callable[..., Any], source_id: str, host: str
) -> None:
    """Poll `source_id` now on the slot of `host` it was handed (hosts.py)."""
    scheduler.add_job(
        poll,
        "date",
        args=[source_id],
        kwargs={"host_slot": host},
        id=f"host-turn:{next(_turns)}",
        # However late its thread comes: a dropped turn would keep the slot forever.
        misfire_grace_time=None,
    )
