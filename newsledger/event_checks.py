"""What `import` accepts as event data: the known event types at versions this code reads,
with data of the declared shape (newsfacts' TypedDicts), so a crafted export cannot put an
event in the log that the projections would choke on."""

from __future__ import annotations

import types
import typing
import uuid
from collections.abc import Mapping
from typing import Any

from newsfacts import (
    ARTICLE_INGESTED,
    ARTICLE_REVISED,
    ARTICLE_SIGHTED,
    SCHEMA_VERSIONS,
    SOURCE_FETCH_FAILED,
    SOURCE_FETCHED,
    SOURCE_GONE,
    SOURCE_MOVED,
    ArticleContent,
    ArticleSightedData,
    SourceFetchedData,
    SourceFetchFailedData,
    SourceGoneData,
    SourceMovedData,
    upcasters,
)

#: The declared data shape of every type (the vocabulary declares them; this binds them).
SHAPES: Mapping[str, type] = {
    declared.name: shape
    for declared, shape in (
        (ARTICLE_INGESTED, ArticleContent),
        (ARTICLE_REVISED, ArticleContent),
        (ARTICLE_SIGHTED, ArticleSightedData),
        (SOURCE_FETCHED, SourceFetchedData),
        (SOURCE_FETCH_FAILED, SourceFetchFailedData),
        (SOURCE_MOVED, SourceMovedData),
        (SOURCE_GONE, SourceGoneData),
    )
}
_UPCASTERS = upcasters()


def check_event_data(event_type: str, version: int, data: dict[str, Any]) -> str | None:
    """A problem with one event's type, version or data, in a few words; None if it is fine.

    Data stored under an older version is checked after upcasting, as readers will see it.
    Keys the declaration does not know are allowed (an older writer may have added them).
    """
    current = SCHEMA_VERSIONS.get(event_type)
    shape = SHAPES.get(event_type)
    if current is None or shape is None:
        return f"unknown event type (known: {', '.join(sorted(SCHEMA_VERSIONS))})"
    if version > current:
        return f"schema version {version} is newer than this newsledger reads ({current})"
    try:
        _, data = _UPCASTERS.upcast(event_type, version, dict(data))
    except Exception as exc:  # an upcaster meeting data it was not written for
        return f"cannot be upcast to version {current}: {type(exc).__name__}"
    # With postponed annotations TypedDict cannot see NotRequired itself: read the hints.
    for key, hint in typing.get_type_hints(shape, include_extras=True).items():
        optional = typing.get_origin(hint) is typing.NotRequired
        if optional:
            hint = typing.get_args(hint)[0]
        if key not in data:
            if not optional:
                return f"data field {key!r} is missing"
        elif not _fits(data[key], hint):
            return f"data field {key!r} is not {_name(hint)}"
    if "article_id" in data and not _is_uuid(data["article_id"]):
        # It names the article's page file and link: `../../x` would publish outside the
        # output folder (the publisher refuses such a name too: feeds/files.py).
        return "data field 'article_id' is not a UUID"
    return None


def _is_uuid(value: Any) -> bool:
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value
    except ValueError:
        return False


def _fits(value: Any, hint: Any) -> bool:
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return any(_fits(value, arg) for arg in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    origin = typing.get_origin(hint) or hint
    return isinstance(origin, type) and isinstance(value, origin)


def _name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("NoneType", "null")
