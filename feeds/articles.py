"""Article versions as feeds reads them from the log: the content events declared by
`newsfacts`, never through `ingest`'s classes (see docs/events.md)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from newsfacts import normalise_timestamp


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

    def __reduce__(self) -> tuple[type[ArticleVersion], tuple[Any, ...]]:
        # Pickled as its fields, rebuilt by the constructor: a long replay's worker processes
        # send one per article version, and the frozen dataclass's own way (its
        # __getstate__/__setstate__, in Python) cost the applying process 3 times as much.
        return ArticleVersion, (
            self.article_id, self.version, self.source_id, self.url, self.title, self.text,
            self.html, self.language, self.published, self.fetched, self.author, self.place,
        )  # fmt: skip

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ArticleVersion:
        # .get with defaults: older or sparser events still project instead of failing a replay.
        return cls(
            article_id=str(data["article_id"]),
            version=int(data.get("version") or 1),
            source_id=str(data.get("source_id") or ""),
            url=plain_text(data.get("canonical_url") or data.get("url") or None),
            title=str(data.get("title") or ""),
            text=str(data.get("text") or ""),
            html=plain_text(data.get("html") or None),
            language=plain_text(data.get("language") or None),
            published=normalise_timestamp(data.get("published")),
            fetched=normalise_timestamp(data.get("fetched")) or "1970-01-01T00:00:00Z",
            author=plain_text(data.get("author") or None),
            place=plain_text(data.get("place") or None),
        )


def plain_text(value: Any) -> str | None:
    """A text field of an event's document as the views store it: text and None as they
    are, any other JSON value (a malformed event's `true` or `1.0`) as its JSON text. Left
    to the drivers, `true` was stored as 'true' by PostgreSQL's INSERT, 't' by its COPY
    and '1' by SQLite."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
