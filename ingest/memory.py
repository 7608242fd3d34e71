"""What a running process remembers of each source between polls, seeded from the log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ingest.fetch.fetcher import Validators
from ingest.parse.folder import FileStamp
from ingest.projections import SourceState
from newsfacts import maybe_parse_timestamp


@dataclass(slots=True)
class SourceMemory:
    """Per-source polling state kept by a running process, seeded from the log's projection.

    Only facts reach the log; this also holds what is not a fact (the time of the last
    304, validators from a 200 that brought nothing new, folder file stamps).
    """

    configured: str  # the configured URL or path this memory belongs to
    url: str  # the URL polled (after a confirmed move)
    validators: Validators = field(default_factory=Validators)
    failures: int = 0
    retry_at: datetime | None = None
    redirect_target: str | None = None
    redirect_streak: int = 0
    gone: bool = False
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    last_not_modified: datetime | None = None
    stamps: dict[str, FileStamp] = field(default_factory=dict)


def seed(configured: str, state: SourceState | None) -> SourceMemory:
    """Memory for the source configured at `configured` from what the log says (or fresh)."""
    mem = SourceMemory(configured=configured, url=configured)
    if state is None:
        return mem
    mem.url = state.current_url(configured)
    mem.gone = state.gone_at(mem.url)
    if state.url == mem.url:
        mem.validators = Validators(state.etag, state.last_modified)
        mem.failures = state.failures
        mem.retry_at = maybe_parse_timestamp(state.retry_at)
        mem.redirect_target = state.redirect_target
        mem.redirect_streak = state.redirect_streak
    mem.last_success = maybe_parse_timestamp(state.last_success)
    mem.last_attempt = maybe_parse_timestamp(state.last_attempt)
    return mem
