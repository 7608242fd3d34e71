"""The one timestamp form of event data (`2025-01-09T08:30:00Z`: UTC, seconds, `Z`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: The zone Vietnamese sources write in: a source's time without an offset, and a day named
#: by a dateline or a lead, are read in it (ingest), and the pages show times in it (feeds).
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


def known_zone(name: str) -> bool:
    """Whether `name` is an IANA time zone this machine knows (a configuration's check)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # ValueError: "", "../x", a NUL
        return False
    return True


def timestamp(moment: datetime) -> str:
    """`moment` in the event-data form."""
    moment = moment.astimezone(UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if moment.year >= 1000:
        return text
    # glibc's %Y does not pad: year 1 was written "1-01-01T…", which no reader parses.
    return f"{moment.year:04d}{text[text.index('-') :]}"


def maybe_timestamp(moment: datetime | None) -> str | None:
    return None if moment is None else timestamp(moment)


def parse_timestamp(text: str) -> datetime:
    """The inverse of `timestamp` (fromisoformat: 10x strptime's speed)."""
    return datetime.fromisoformat(text.removesuffix("Z") + "+00:00")


def maybe_parse_timestamp(text: str | None) -> datetime | None:
    return parse_timestamp(text) if text else None


def normalise_timestamp(value: Any) -> str | None:
    """Any ISO 8601 value as the event-data form (None when it is not a time).

    Readers use it on fields written by older or other writers, whatever offset they gave.
    """
    if not value:
        return None
    if isinstance(value, str) and len(value) == 20 and value[10] == "T" and value[19] == "Z":
        return value  # already the log's form: the common case, kept fast
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return timestamp(moment)
