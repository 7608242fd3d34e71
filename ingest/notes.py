"""A source's poll note: what the next process needs of the last poll that the log may not
hold, kept in the store beside the log (store/notes.py), one per source.

A poll that brought nothing new appends no fact (one per poll would fill the log with
"nothing happened"), yet its time and validators decide when and how the next process
polls: `run --once` from cron is a new process each time, and without the note it polled
such a source on every run, unconditionally, and showed it "never polled".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from newsfacts import maybe_timestamp, parse_timestamp, timestamp
from store import EventStore

#: The prefix of the notes the poller keeps: `poll:<source id>`.
NOTE_PREFIX = "poll:"
#: How far ahead of the reader's clock a note's times may be (another host's clock): a note
#: further ahead, written by a clock that was wrong, would hold its source back until
#: then, so it is ignored.
NOTE_SKEW = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class PollNote:
    """The last poll of a source as its note holds it."""

    configured: str  # the configured URL or path the poll was made for
    url: str  # the URL polled (after a confirmed move)
    attempted: datetime
    last_success: datetime | None = None
    last_not_modified: datetime | None = None
    etag: str | None = None
    last_modified: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "configured": self.configured,
            "url": self.url,
            "attempted": timestamp(self.attempted),
            "last_success": maybe_timestamp(self.last_success),
            "last_not_modified": maybe_timestamp(self.last_not_modified),
            "etag": self.etag,
            "last_modified": self.last_modified,
        }

    @classmethod
    def read(cls, raw: Mapping[str, Any], *, not_after: datetime) -> PollNote | None:
        """The note `raw` holds, or None when it is not as `as_json` writes it (edited by
        hand) or holds a time later than `not_after`."""
        texts = {key: raw.get(key) for key in ("configured", "url", "etag", "last_modified")}
        if not (isinstance(texts["configured"], str) and isinstance(texts["url"], str)):
            return None
        if not all(value is None or isinstance(value, str) for value in texts.values()):
            return None
        times = [_time(raw.get(key)) for key in _TIMES]
        attempted, success, not_modified = times
        if attempted is None or any(t is not None and t > not_after for t in times):
            return None
        if any(
            t is None and raw.get(key) is not None for t, key in zip(times, _TIMES, strict=True)
        ):
            return None
        return cls(
            raw["configured"], raw["url"], attempted, success, not_modified,
            raw.get("etag"), raw.get("last_modified"),
        )  # fmt: skip


_TIMES = ("attempted", "last_success", "last_not_modified")


def _time(value: Any) -> datetime | None:
    """A time in the one form `timestamp` writes, else None."""
    if not isinstance(value, str):
        return None
    try:
        moment = parse_timestamp(value)
    except ValueError:
        return None
    return moment if timestamp(moment) == value else None


def poll_notes(
    store: EventStore, *, now: datetime, source_id: str | None = None
) -> dict[str, PollNote]:
    """Every source's note (or `source_id`'s alone), by source id; a malformed note, or one
    dated beyond `now` and the allowed skew, is left out, as if never written."""
    prefix = NOTE_PREFIX + (source_id or "")
    found: dict[str, PollNote] = {}
    for name, raw in store.notes(prefix=prefix).items():
        note = PollNote.read(raw, not_after=now + NOTE_SKEW)
        owner = name.removeprefix(NOTE_PREFIX)
        if note is not None and (source_id is None or owner == source_id):
            found[owner] = note
    return found


def keep_note(store: EventStore, source_id: str, note: PollNote) -> None:
    """Replace `source_id`'s note."""
    store.write_notes({NOTE_PREFIX + source_id: note.as_json()}, note.attempted)
