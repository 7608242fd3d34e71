"""What one poll of one source did, as values the CLI prints and the worker turns into metrics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

#: Outcomes other than `failed:<reason>` (reason as in `ingest.errors.REASONS`).
OUTCOMES = ("ok", "not_modified", "gone", "moved", "deferred", "disabled", "error")


@dataclass(frozen=True, slots=True)
class PollReport:
    """One poll of one source.

    `outcome` is `ok` (fetched and parsed; see `events` for what was new), `not_modified`
    (304), `moved` (a SourceMoved was recorded), `gone` (410 now or earlier: not
    requested), `deferred` (backoff or the host's Retry-After: not requested),
    `disabled`, `failed:<reason>` or `error` (a bug or a store outage; logged).
    """

    source_id: str
    outcome: str
    url: str
    status: int | None = None
    latency: float = 0.0
    bytes: int = 0
    items: int = 0
    events: Mapping[str, int] = field(default_factory=dict)
    message: str = ""
    retry_at: datetime | None = None

    @property
    def appended(self) -> int:
        return sum(self.events.values())

    @property
    def requested(self) -> bool:
        """Whether this poll made a request (or read the folder)."""
        return self.outcome not in ("gone", "deferred", "disabled")
