"""Helpers for the feeds tests: the labelled articles, and events shaped as docs/events.md says."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from feeds.config import FeedsConfig, parse_config
from newsfacts import article_stream
from store import EventStore
from tests.support.articles import START, article_uuid, ingested, iso, sighted

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"
LABELLED = FIXTURES / "labelled.toml"
LABELLED_CLASSES = FIXTURES / "labelled_classes.toml"
ATOM_RNG = FIXTURES / "atom.rng"

__all__ = ["START", "article_uuid", "ingested", "iso", "sighted"]


def labelled(*, classes: bool = False) -> list[dict[str, Any]]:
    """The written articles; with `classes`, also those written for each error class of
    issue 11 (kept apart: the feed and reader tests publish the first set only)."""
    articles: list[dict[str, Any]] = tomllib.loads(LABELLED.read_text(encoding="utf-8"))["articles"]
    if classes:
        more = tomllib.loads(LABELLED_CLASSES.read_text(encoding="utf-8"))["articles"]
        articles = [*articles, *more]
    return articles


def append_labelled(store: EventStore, articles: list[dict[str, Any]] | None = None) -> None:
    for n, article in enumerate(articles if articles is not None else labelled()):
        event = ingested(
            article["id"],
            title=article["title"],
            text=article["text"],
            language=article["language"],
            n=n,
        )
        store.append(article_stream(event.data["article_id"]), [event])


def feeds_config(tmp_path: Path, raw: dict[str, Any] | None = None, **changes: Any) -> FeedsConfig:
    raw = dict(raw or {})
    raw.setdefault("feeds", {}).setdefault("output_dir", str(tmp_path / "public"))
    config = parse_config(raw, file="test.toml", base_dir=tmp_path)
    return replace(config, **changes) if changes else config


@pytest.fixture
def config(tmp_path: Path) -> FeedsConfig:
    return feeds_config(tmp_path)
