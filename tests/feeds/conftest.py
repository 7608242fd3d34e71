"""Helpers for the feeds tests: the labelled articles, and events shaped as docs/events.md says."""

from __future__ import annotations

import hashlib
import tomllib
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from feeds.config import FeedsConfig, parse_config
from store import EventStore, NewEvent

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"
LABELLED = FIXTURES / "labelled.toml"
LABELLED_CLASSES = FIXTURES / "labelled_classes.toml"
ATOM_RNG = FIXTURES / "atom.rng"
START = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)


def labelled(*, classes: bool = False) -> list[dict[str, Any]]:
    """The written articles; with `classes`, also those written for each error class of
    issue 11 (kept apart: the feed and reader tests publish the first set only)."""
    articles: list[dict[str, Any]] = tomllib.loads(LABELLED.read_text(encoding="utf-8"))["articles"]
    if classes:
        more = tomllib.loads(LABELLED_CLASSES.read_text(encoding="utf-8"))["articles"]
        articles = [*articles, *more]
    return articles


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def article_uuid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"newsledger-test:{name}"))


def ingested(
    name: str,
    *,
    title: str,
    text: str,
    language: str | None = "vi",
    n: int = 0,
    source_id: str = "baodientu",
    html: str | None = None,
    version: int = 1,
    published: bool = True,
) -> NewEvent:
    """An ArticleIngested (or, with version > 1, ArticleRevised) event for article `name`."""
    content_hash = hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()
    url = f"https://news.example.vn/{name}.html"
    data: dict[str, Any] = {
        "article_id": article_uuid(name),
        "version": version,
        "content_hash": content_hash,
        "source_id": source_id,
        "source_kind": "feed",
        "url": url,
        "canonical_url": url,
        "guid": url,
        "title": title,
        "text": text,
        "html": html,
        "language": language,
        "published": iso(START + timedelta(hours=n)) if published else None,
        "fetched": iso(START + timedelta(hours=n, minutes=5 + version)),
        "extractor": "feedparser",
        "place": None,
        "author": None,
    }
    if version > 1:
        data["previous_hash"] = "0" * 64
    kind = "ArticleIngested" if version == 1 else "ArticleRevised"
    return NewEvent(kind, data, metadata={"correlation_id": str(uuid.uuid4())})


def sighted(name: str, *, source_id: str, n: int = 0) -> NewEvent:
    url = f"https://other.example.la/{name}"
    data = {
        "article_id": article_uuid(name),
        "content_hash": "f" * 64,
        "source_id": source_id,
        "source_kind": "feed",
        "url": url,
        "canonical_url": url,
        "title": "as given elsewhere",
        "published": None,
        "fetched": iso(START + timedelta(hours=n, minutes=30)),
    }
    return NewEvent("ArticleSighted", data)


def append_labelled(store: EventStore, articles: list[dict[str, Any]] | None = None) -> None:
    for n, article in enumerate(articles if articles is not None else labelled()):
        event = ingested(
            article["id"],
            title=article["title"],
            text=article["text"],
            language=article["language"],
            n=n,
        )
        store.append(f"article-{event.data['article_id']}", [event])


def feeds_config(tmp_path: Path, raw: dict[str, Any] | None = None, **changes: Any) -> FeedsConfig:
    raw = dict(raw or {})
    raw.setdefault("feeds", {}).setdefault("output_dir", str(tmp_path / "public"))
    config = parse_config(raw, file="test.toml", base_dir=tmp_path)
    return replace(config, **changes) if changes else config


@pytest.fixture
def config(tmp_path: Path) -> FeedsConfig:
    return feeds_config(tmp_path)
