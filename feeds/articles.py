"""Article versions as feeds reads them from the log: the content events declared by
`newsfacts`, never through `ingest`'s classes (see docs/events.md)."""

from __future__ import annotations

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

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ArticleVersion:
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
            published=normalise_timestamp(data.get("published")),
            fetched=normalise_timestamp(data.get("fetched")) or "1970-01-01T00:00:00Z",
            author=data.get("author") or None,
            place=data.get("place") or None,
        )


#: What classification and extraction read of a content event: (title, text, language).
AnalysedText = tuple[str, str, str | None]


def analysed_text(data: Mapping[str, Any]) -> AnalysedText:
    """The title, text and language of a content event, as `ArticleVersion.from_data` reads
    them (the fields a replay sends to its worker processes)."""
    return str(data.get("title") or ""), str(data.get("text") or ""), data.get("language") or None
