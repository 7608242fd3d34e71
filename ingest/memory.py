"""What a running process remembers of each source between polls, seeded from the log and
the source's poll note."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ingest.config import SourceConfig
from ingest.fetch.fetcher import Validators
from ingest.notes import PollNote
from ingest.parse.folder import FileStamp
from ingest.projections import SourceState
from ingest.reports import PollReport
from newsfacts import SOURCE_FETCHED, maybe_parse_timestamp


@dataclass(slots=True)
class SourceMemory:
    """Per-source polling state kept by a running process, seeded from the log's projection.

    Only facts reach the log; this also holds what is not a fact (the time of the last
    304, validators from a 200 that brought nothing new: the note keeps those; folder file
    stamps).
    """

    configured: str  # the configured URL or path this memory belongs to
    url: str  # the URL polled (after a confirmed move)
    validators: Validators = field(default_factory=Validators)
    failures: int = 0
    retry_at: datetime | None = None
    #: The log's last word on the source is a failure, at this URL or at the one the
    #: configuration named before: the next success must be a fact (a poll that brought
    #: nothing new appends none otherwise, and the source would stay "failing" for ever).
    log_failing: bool = False
    redirect_target: str | None = None
    redirect_streak: int = 0
    gone: bool = False
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    last_not_modified: datetime | None = None
    stamps: dict[str, FileStamp] = field(default_factory=dict)


def seed(configured: str, state: SourceState | None, note: PollNote | None = None) -> SourceMemory:
    """Memory for the source configured at `configured` from what the log says (or fresh),
    brought up to date by the source's note where that is newer."""
    mem = SourceMemory(configured=configured, url=configured)
    if state is not None:
        mem.url = state.current_url(configured)
        mem.gone = state.gone_at(mem.url)
        if state.url == mem.url:
            mem.validators = Validators(state.etag, state.last_modified)
            mem.failures = state.failures
            mem.retry_at = maybe_parse_timestamp(state.retry_at)
            mem.redirect_target = state.redirect_target
            mem.redirect_streak = state.redirect_streak
        mem.last_success = maybe_parse_timestamp(state.last_success)
        mem.log_failing = state.failures > 0
        # An attempt at another URL (the configuration changed it, or a move settled) is
        # no attempt at this one: it is due now, as a restarted worker polls it at once.
        if state.url is None or state.url == mem.url:
            mem.last_attempt = maybe_parse_timestamp(state.last_attempt)
    if note is not None:
        _apply_note(mem, note)
    return mem


def note_after(mem: SourceMemory, report: PollReport, now: datetime) -> PollNote | None:
    """The note a poll at `now` leaves, or None when it needs none: when it made no request
    (skipped, or deferred by its host's Retry-After: a note would make the next process wait
    a whole interval), or appended a poll fact, which holds its time, URL and validators."""
    if mem.last_attempt != now or report.outcome == "deferred":
        return None
    # A failure, a 410 and a `SourceFetched` are facts dated by the poll.
    if report.outcome.startswith("failed:") or report.outcome == "gone":
        return None
    if report.events.get(SOURCE_FETCHED.name):
        return None
    return PollNote(
        mem.configured, mem.url, now, mem.last_success, mem.last_not_modified,
        mem.validators.etag, mem.validators.last_modified,
    )  # fmt: skip


def _apply_note(mem: SourceMemory, note: PollNote) -> None:
    """The note's attempt, success and validators, when it belongs to the URL polled now and
    is at least as recent as the log's last attempt."""
    if note.configured != mem.configured or note.url != mem.url:
        return
    if mem.last_attempt is not None and note.attempted < mem.last_attempt:
        return
    mem.last_attempt = note.attempted
    mem.last_not_modified = note.last_not_modified
    if note.last_success is not None and (
        mem.last_success is None or note.last_success > mem.last_success
    ):
        mem.last_success = note.last_success
    mem.validators = Validators(note.etag, note.last_modified)


def skipped_poll(
    source: SourceConfig, mem: SourceMemory, now: datetime, *, force: bool
) -> PollReport | None:
    """The report of a poll that requests nothing: disabled, gone, or backing off."""
    if not source.enabled and not force:
        return PollReport(source.id, "disabled", mem.url)
    if mem.gone:
        return PollReport(source.id, "gone", mem.url, message="the server said 410 Gone")
    if not force and mem.retry_at is not None and mem.retry_at > now:
        return PollReport(
            source.id, "deferred", mem.url, retry_at=mem.retry_at, message="backing off"
        )
    return None
