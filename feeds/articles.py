"""Article versions as feeds reads them from the log: by event type name and data keys, never
through `ingest`'s classes (see docs/events.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

INGESTED, REVISED, SIGHTED = "ArticleIngested", "ArticleRevised", "ArticleSighted"
ARTICLE_TYPES = frozenset({INGESTED, REVISED})


@dataclass(frozen=True, slots=True)
class ArticleVersion:
    """The content fields of an ArticleIngested / ArticleRevised event."""

    article_id: str
    version: int
    source_id: str
    url: str | None
    title: str
    text: str
    html: str | None
    language: str | None
    published: str | None
    fetched: str
    author: str | None
    place: str | None

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ArticleVersion:
        # .get with defaults: older or sparser events still project instead of failing a replay.
        return cls(
            article_id=str(data["article_id"]),
            version=int(data.get("version") or 1),
            source_id=str(data.get("source_id") or ""),
            url=data.get("canonical_url") or data.get("url") or None,
            title=str(data.get("title") or ""),
            text=str(data.get("text") or ""),
            html=data.get("html") or None,
            language=data.get("language") or None,
            published=_iso(data.get("published")),
            fetched=_iso(data.get("fetched")) or "1970-01-01T00:00:00Z",
            author=data.get("author") or None,
            place=data.get("place") or None,
        )


def _iso(value: Any) -> str | None:
    """Timestamps as one sortable UTC form (`2025-01-09T08:30:00Z`), whatever offset was given."""
    if not value:
        return None
    if isinstance(value, str) and len(value) == 20 and value[10] == "T" and value[19] == "Z":
        return value  # already the log's form (docs/events.md): the common case, kept fast
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str) -> datetime:
    """The inverse of the `2025-01-09T08:30:00Z` form (fromisoformat: 10x strptime's speed)."""
    return datetime.fromisoformat(value.removesuffix("Z") + "+00:00")
