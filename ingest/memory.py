"""What a running process remembers of each source between polls, seeded from the log."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
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
    brought up to date by the source's note (`note_of`) where that is newer."""
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
        # An attempt at another URL (the configuration changed it, or a move settled) is
        # no attempt at this one: it is due now, as a restarted worker polls it at once.
        if state.url is None or state.url == mem.url:
            mem.last_attempt = maybe_parse_timestamp(state.last_attempt)
    if note is not None:
        _apply_note(mem, note)
    return mem


#: The prefix of the store notes (store/notes.py) the poller keeps, one per source id.
NOTE_PREFIX = "poll:"


def poll_notes(store: EventStore) -> dict[str, dict[str, Any]]:
    """Every source's note, by source id."""
    notes = store.notes(prefix=NOTE_PREFIX)
    return {name.removeprefix(NOTE_PREFIX): note for name, note in notes.items()}


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
    is at least as recent as the log's last attempt (a hand-edited note is ignored)."""
    if note.get("configured") != mem.configured or note.get("url") != mem.url:
        return
    try:
        attempted = maybe_parse_timestamp(note.get("attempted"))
        success = maybe_parse_timestamp(note.get("last_success"))
        not_modified = maybe_parse_timestamp(note.get("last_not_modified"))
    except (TypeError, ValueError):
        return
    if attempted is None or (mem.last_attempt is not None and attempted < mem.last_attempt):
        return
    mem.last_attempt = attempted
    mem.last_not_modified = not_modified
    if success is not None and (mem.last_success is None or success > mem.last_success):
        mem.last_success = success
    etag, modified = note.get("etag"), note.get("last_modified")
    if all(value is None or isinstance(value, str) for value in (etag, modified)):
        mem.validators = Validators(etag, modified)
