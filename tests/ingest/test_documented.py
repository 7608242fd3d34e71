"""docs/events.md and docs/ingest.md stay true: every event's data has exactly the
documented fields, and every setting and command is documented."""

from __future__ import annotations

import re
from dataclasses import fields
from datetime import timedelta
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer

from ingest.config import FetchSettings
from ingest.normalise.items import make_item
from ingest.record.recorder import ArticleRecorder, SourceRef
from newsledger.commands.ingest import COMMANDS
from store import EventStore
from tests.ingest.conftest import T0, fixture_bytes, make_config

DOCS = Path(__file__).resolve().parents[2] / "docs"


def documented_fields() -> dict[str, set[str]]:
    """Event type → field names from the tables under each `### \\`Type\\`` heading."""
    text = (DOCS / "events.md").read_text(encoding="utf-8")
    found: dict[str, set[str]] = {}
    for section in re.split(r"^### ", text, flags=re.MULTILINE)[1:]:
        name = re.match(r"`(\w+)`", section)
        assert name is not None
        found[name.group(1)] = set(re.findall(r"^\| `(\w+)` \|", section, flags=re.MULTILINE))
    # ArticleRevised: "Same fields as ArticleIngested … plus" its own table.
    found["ArticleRevised"] |= found["ArticleIngested"]
    return found


def test_every_event_type_has_exactly_the_documented_fields(
    store: EventStore, httpserver: HTTPServer, harness_factory: Any
) -> None:
    recorder = ArticleRecorder(store)
    a = make_item(url="https://e.example/a", title="T", text="Một", extractor="feedparser")
    b = make_item(url="https://e.example/a", title="T", text="Hai", extractor="feedparser")
    recorder.record(SourceRef("s1", "feed"), [a], fetched=T0, correlation_id="c")
    recorder.record(SourceRef("s1", "feed"), [b], fetched=T0, correlation_id="c")
    recorder.record(SourceRef("s2", "feed"), [b], fetched=T0, correlation_id="c")
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": "/rss"}
    )
    httpserver.expect_request("/rss").respond_with_data(fixture_bytes("vi_thoisu.rss"))
    httpserver.expect_request("/bad").respond_with_data("", status=500)
    httpserver.expect_request("/gone").respond_with_data("", status=410)
    config = make_config(
        [
            {"id": "moving", "kind": "feed", "url": httpserver.url_for("/old")},
            {"id": "bad", "kind": "feed", "url": httpserver.url_for("/bad")},
            {"id": "gone", "kind": "feed", "url": httpserver.url_for("/gone")},
        ],
        moved_after=1,
    )
    harness_factory(store, config).round(now=T0 + timedelta(hours=1))
    documented = documented_fields()
    seen: set[str] = set()
    for event in store.read_all():
        seen.add(event.type)
        assert set(event.data) == documented[event.type], event.type
        assert event.metadata == {"correlation_id": event.metadata["correlation_id"]}
    assert seen == set(documented)


def test_every_fetch_setting_and_command_is_documented() -> None:
    text = (DOCS / "ingest.md").read_text(encoding="utf-8")
    for setting in fields(FetchSettings):
        assert f"| `{setting.name}` |" in text, setting.name
    for key in ("id", "kind", "url", "path", "interval", "language", "enabled", "full_text"):
        assert f"| `{key}` |" in text, key
    for command in COMMANDS:
        assert f"`newsledger {command.name}" in text, command.name
