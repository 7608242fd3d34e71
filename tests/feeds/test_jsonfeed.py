"""JSON Feed 1.1 beside each Atom feed: the same entries with the same ids, checked against
the rules of https://www.jsonfeed.org/version/1.1/ (required fields, types, date format)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import feedparser

from feeds.config import FeedsConfig
from feeds.projections import build_projections
from feeds.publisher import publish_all
from store import EventStore, ProjectionRunner
from tests.feeds.conftest import append_labelled, labelled

TOP = {
    "version": str,
    "title": str,
    "home_page_url": str,
    "feed_url": str,
    "description": str,
    "user_comment": str,
    "next_url": str,
    "icon": str,
    "favicon": str,
    "authors": list,
    "language": str,
    "expired": bool,
    "hubs": list,
    "items": list,
}
ITEM = {
    "id": str,
    "url": str,
    "external_url": str,
    "title": str,
    "content_html": str,
    "content_text": str,
    "summary": str,
    "image": str,
    "banner_image": str,
    "date_published": str,
    "date_modified": str,
    "authors": list,
    "tags": list,
    "language": str,
    "attachments": list,
}


def json_feed_problems(feed: Any) -> list[str]:
    """Every way `feed` breaks the JSON Feed 1.1 rules (an empty list when it keeps them)."""
    problems: list[str] = []
    if not isinstance(feed, dict):
        return ["the document is not an object"]
    problems += _typed(feed, TOP, "feed")
    if feed.get("version") != "https://jsonfeed.org/version/1.1":
        problems.append(f"version is {feed.get('version')!r}")
    for key in ("title", "items"):
        if key not in feed:
            problems.append(f"feed lacks required {key!r}")
    problems += _authors(feed.get("authors", []), "feed")
    for n, item in enumerate(feed.get("items", [])):
        where = f"items[{n}]"
        if not isinstance(item, dict):
            problems.append(f"{where} is not an object")
            continue
        problems += _typed(item, ITEM, where)
        if not item.get("id"):
            problems.append(f"{where} lacks an id")
        if "content_html" not in item and "content_text" not in item:
            problems.append(f"{where} has neither content_html nor content_text")
        for key in ("date_published", "date_modified"):
            if key in item and not _rfc3339(item[key]):
                problems.append(f"{where}.{key} is not RFC 3339: {item[key]!r}")
        if not all(isinstance(t, str) for t in item.get("tags", [])):
            problems.append(f"{where}.tags holds a non-string")
        problems += _authors(item.get("authors", []), where)
    return problems


def _typed(obj: dict[str, Any], known: dict[str, type], where: str) -> list[str]:
    problems = []
    for key, value in obj.items():
        if key.startswith("_"):  # extensions: an object whose key starts with an underscore
            if not isinstance(value, dict):
                problems.append(f"{where}.{key}: an extension must be an object")
        elif key not in known:
            problems.append(f"{where} has unknown key {key!r}")
        elif not isinstance(value, known[key]):
            problems.append(f"{where}.{key} is not {known[key].__name__}")
    return problems


def _authors(authors: list[Any], where: str) -> list[str]:
    return [
        f"{where}.authors[{n}] needs a name, url or avatar"
        for n, a in enumerate(authors)
        if not isinstance(a, dict) or not ({"name", "url", "avatar"} & set(a))
    ]


def _rfc3339(value: Any) -> bool:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return False
    return moment.tzinfo is not None and "T" in str(value)


def _publish(store: EventStore, config: FeedsConfig) -> None:
    runner = ProjectionRunner(store, build_projections(config))
    runner.catch_up()
    publish_all(runner, config)


def test_every_json_feed_keeps_the_json_feed_1_1_rules(
    store: EventStore, config: FeedsConfig
) -> None:
    append_labelled(store)
    _publish(store, config)
    for topic in config.topics:
        path = config.output_dir / "feeds" / f"{topic.id}.json"
        feed = json.loads(path.read_text(encoding="utf-8"))
        assert json_feed_problems(feed) == [], topic.id
        assert feed["feed_url"] == f"{config.base_url}/feeds/{topic.id}.json"


def test_the_rules_check_catches_a_broken_feed() -> None:
    broken = {
        "version": "1",
        "items": [{"title": 3, "date_published": "14/9/2026", "colour": "red"}],
    }
    assert json_feed_problems(broken) == [
        "version is '1'",
        "feed lacks required 'title'",
        "items[0].title is not str",
        "items[0] has unknown key 'colour'",
        "items[0] lacks an id",
        "items[0] has neither content_html nor content_text",
        "items[0].date_published is not RFC 3339: '14/9/2026'",
    ]


def test_json_feed_items_are_the_atom_entries_with_the_same_ids_in_the_same_order(
    store: EventStore, config: FeedsConfig
) -> None:
    append_labelled(store)
    _publish(store, config)
    for topic in config.topics:
        atom = feedparser.parse((config.output_dir / "feeds" / f"{topic.id}.atom").read_bytes())
        feed = json.loads((config.output_dir / "feeds" / f"{topic.id}.json").read_bytes())
        assert [i["id"] for i in feed["items"]] == [e.id for e in atom.entries]
        assert [i["title"] for i in feed["items"]] == [e.title for e in atom.entries]
    everything = json.loads((config.output_dir / "feeds" / "all.json").read_bytes())
    assert len(everything["items"]) == min(len(labelled()), config.entries_per_feed)
    first = everything["items"][0]
    assert first["url"].startswith(f"{config.base_url}/articles/")
    assert first["external_url"].startswith("https://news.example.vn/")
