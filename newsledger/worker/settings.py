"""The `[worker]` table: how the scheduler spreads, retries and shares the polling of sources."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ingest import Backoff, parse_duration
from newsledger.config import ConfigError

_DURATIONS = (
    "jitter",
    "misfire_grace",
    "lease_ttl",
    "stagger",
    "store_retry_cap",
    "shutdown_grace",
)


def default_replica_id() -> str:
    """Host name and process id: unique among the replicas sharing one database."""
    return f"{socket.gethostname()}-{os.getpid()}"


def process_here(replica_id: str) -> int | None:
    """The process id in a default replica id of this host (`default_replica_id`), else
    None (another host's, or one named in the configuration)."""
    host, _, pid = replica_id.rpartition("-")
    return int(pid) if host == socket.gethostname() and pid.isdigit() else None


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    """Scheduling settings of one worker process (every duration in seconds).

    `jitter` is the most a poll is moved at random around its interval (the effective
    jitter is also capped at a tenth of the source's interval, so a 1-minute source
    never drifts by the default's 30 s); `stagger` spreads the first polls after
    start-up; `lease_ttl` is how long a dead replica keeps its sources before another
    takes them over.
    """

    jitter: float = 30.0
    misfire_grace: float = 300.0
    lease_ttl: float = 60.0
    stagger: float = 10.0
    concurrency: int | None = None  # None: the `[fetch] concurrency` of ingest
    store_retry_cap: float = 60.0
    shutdown_grace: float = 3.0
    replica_id: str = ""
    # Catch the projections up in a child process that follows the log while polls append
    # (store/follow.py); off: after each poll, in this process; None ("auto"): on, unless
    # the store is an in-memory SQLite database, which no other process can open.
    projection_process: bool | None = None

    def projects_in_a_process(self, *, shared: bool) -> bool:
        """Whether to, for a store another process can open (`shared`) or not."""
        return shared if self.projection_process is None else self.projection_process

    def jitter_for(self, interval: float) -> float:
        return min(self.jitter, interval / 10)

    @property
    def store_backoff(self) -> Backoff:
        """Waiting for a database that went away: 1 s doubling to `store_retry_cap`, ±20%
        so that replicas do not all come back at the same moment."""
        return Backoff(1.0, self.store_retry_cap, low=0.8, high=1.2)

    @property
    def publish_backoff(self) -> Backoff:
        """Retrying a failed publish: 1 s doubling to `store_retry_cap`, no randomness (one
        thread per process retries)."""
        return Backoff(1.0, self.store_retry_cap, low=1.0, high=1.0)


def parse_worker_settings(
    raw: Mapping[str, Any], *, file: str, environ: Mapping[str, str] | None = None
) -> WorkerSettings:
    """Validate `[worker]`; NEWSLEDGER_REPLICA_ID overrides `replica_id`."""
    env = os.environ if environ is None else environ
    table = raw.get("worker", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{file}: [worker] must be a table")
    values: dict[str, Any] = {}
    for name, value in table.items():
        where = f"{file}: [worker] field {name!r}"
        if name in _DURATIONS:
            try:
                values[name] = parse_duration(value)
            except ValueError as exc:
                raise ConfigError(f"{where}: {exc}") from None
        elif name == "concurrency":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{where}: expected a whole number ≥ 1, got {value!r}")
            values[name] = value
        elif name == "projection_process":
            if not isinstance(value, bool) and value != "auto":
                raise ConfigError(f'{where}: expected true, false or "auto", got {value!r}')
            values[name] = None if value == "auto" else value
        elif name == "replica_id":
            if not isinstance(value, str) or not value.strip() or len(value) > 150:
                raise ConfigError(f"{where}: expected a name of 1-150 characters, got {value!r}")
            values[name] = value.strip()
        else:
            known = ", ".join(
                sorted((*_DURATIONS, "concurrency", "projection_process", "replica_id"))
            )
            raise ConfigError(f"{where}: unknown setting (known: {known})")
    if values.get("lease_ttl", 1.0) < 1:
        raise ConfigError(f"{file}: [worker] field 'lease_ttl': must be at least 1s")
    if env.get("NEWSLEDGER_REPLICA_ID"):
        values["replica_id"] = env["NEWSLEDGER_REPLICA_ID"].strip()
    settings = WorkerSettings(**values)
    if not settings.replica_id:
        settings = WorkerSettings(**{**values, "replica_id": default_replica_id()})
    return settings
