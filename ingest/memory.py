"""What a running process remembers of each source between polls, seeded from the log."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ingest.fetch.fetcher import Validators
from ingest.parse.folder import FileStamp
from ingest.projections import SourceState
from newsfacts import maybe_parse_timestamp, maybe_timestamp
from store import EventStore


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


def seed(
    configured: str, state: SourceState | None, note: Mapping[str, Any] | None = None
) -> SourceMemory:
    """Memory for the source configured at `configured` from what the log says (or fresh),
    brought up to date by the source's note (as `poll_notes` reads it) where that is newer."""
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


#: The prefix of the store notes (store/notes.py) the poller keeps, one per source id.
NOTE_PREFIX = "poll:"


#: How far ahead of this process's clock a note's times may be (another host's clock): a
#: note further ahead, written by a clock that was wrong, would hold its source back until
#: then, so it is ignored.
NOTE_SKEW = timedelta(minutes=5)


def poll_notes(store: EventStore, *, now: datetime | None = None) -> dict[str, dict[str, Any]]:
    """Every source's note, by source id; a note that is not as `note_of` writes it (edited
    by hand) or that is dated in the future is left out, as if never written."""
    limit = (now or datetime.now(UTC)) + NOTE_SKEW
    notes = store.notes(prefix=NOTE_PREFIX)
    return {
        name.removeprefix(NOTE_PREFIX): note
        for name, note in notes.items()
        if _well_formed(note, limit)
    }


def _well_formed(note: Mapping[str, Any], limit: datetime) -> bool:
    if not all(isinstance(note.get(key), str) for key in ("configured", "url", "attempted")):
        return False
    if not all(note.get(key) is None or isinstance(note.get(key), str) for key in _OPTIONAL):
        return False
    try:
        times = [maybe_parse_timestamp(note.get(key)) for key in _TIMES]
    except ValueError:
        return False
    return all(time is None or (time.tzinfo is not None and time <= limit) for time in times)


_TIMES = ("attempted", "last_success", "last_not_modified")
_OPTIONAL = ("last_success", "last_not_modified", "etag", "last_modified")


def note_of(mem: SourceMemory) -> dict[str, Any]:
    """What a poll leaves in `mem` that the log may not hold: a poll that brought nothing
    new appends no fact (one per poll would fill the log with "nothing happened"), yet its
    time and validators decide when and how the next process polls (`run --once` from
    cron is a new process each time: without this it polled such a source on every run,
    unconditionally)."""
    return {
        "configured": mem.configured,
        "url": mem.url,
        "attempted": maybe_timestamp(mem.last_attempt),
        "last_success": maybe_timestamp(mem.last_success),
        "last_not_modified": maybe_timestamp(mem.last_not_modified),
        "etag": mem.validators.etag,
        "last_modified": mem.validators.last_modified,
    }


def _apply_note(mem: SourceMemory, note: Mapping[str, Any]) -> None:
    """The note's attempt, success and validators, when it belongs to the URL polled now and
    is at least as recent as the log's last attempt (`poll_notes` read it well formed)."""
    if note.get("configured") != mem.configured or note.get("url") != mem.url:
        return
    attempted = maybe_parse_timestamp(note.get("attempted"))
    success = maybe_parse_timestamp(note.get("last_success"))
    not_modified = maybe_parse_timestamp(note.get("last_not_modified"))
    if attempted is None or (mem.last_attempt is not None and attempted < mem.last_attempt):
        return
    mem.last_attempt = attempted
    mem.last_not_modified = not_modified
    if success is not None and (mem.last_success is None or success > mem.last_success):
        mem.last_success = success
    mem.validators = Validators(note.get("etag"), note.get("last_modified"))
