"""What `import` accepts as event data: the known event types at the versions this code can
read, with the fields every reader relies on, so a crafted export cannot poison the log."""

from __future__ import annotations

from typing import Any

from ingest.events import ARTICLE_TYPES, SCHEMA_VERSIONS, SOURCE_TYPES

#: Fields that every event of a family carries and that projections key their rows on.
_IDENTITY = {
    **dict.fromkeys(ARTICLE_TYPES, "article_id"),
    **dict.fromkeys(SOURCE_TYPES, "source_id"),
}


def check_event_data(event_type: str, version: int, data: dict[str, Any]) -> str | None:
    """A problem with one event's type, version or data, in a few words; None if it is fine."""
    current = SCHEMA_VERSIONS.get(event_type)
    if current is None:
        known = ", ".join(sorted(SCHEMA_VERSIONS))
        return f"unknown event type (known: {known})"
    if version > current:
        return f"schema version {version} is newer than this newsledger reads ({current})"
    field = _IDENTITY[event_type]
    value = data.get(field)
    if not isinstance(value, str) or not value:
        return f"data field {field!r} missing or not a string"
    return None
