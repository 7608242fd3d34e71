"""The topics and figures projections on SQLite and PostgreSQL: membership with explanations,
revisions, sightings, replay equal to incremental processing, and what a replay changed."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import select

from feeds.config import FeedsConfig
from feeds.projections import build_projections
from feeds.topics import parse_topics
from store import EventStore, ProjectionRunner
from tests.feeds.conftest import (
    append_labelled,
    article_uuid,
    feeds_config,
    ingested,
    labelled,
    sighted,
)


def _members(runner: ProjectionRunner) -> dict[str, set[str]]:
    table = runner.tables("topics")["topic_entries"]
    with runner.store.engine.connect() as conn:
        rows = conn.execute(select(table.c.topic_id, table.c.article_id)).all()
    found: dict[str, set[str]] = {}
    for topic_id, article_id in rows:
        found.setdefault(topic_id, set()).add(article_id)
    return found


def _dump(runner: ProjectionRunner, name: str) -> dict[str, list[tuple[Any, ...]]]:
    tables = runner.tables(name)
    with runner.store.engine.connect() as conn:
        return {
            base: sorted(tuple(r) for r in conn.execute(select(t)).all())
            for base, t in tables.items()
        }


def test_catch_up_puts_labelled_articles_in_their_topics(
    store: EventStore, config: FeedsConfig
) -> None:
    append_labelled(store)
    runner = ProjectionRunner(store, build_projections(config))
    runner.catch_up()
    members = _members(runner)
    articles = labelled()
    assert len(members["all"]) == len(articles)
    expected = {a["id"] for a in articles if "economic-figures" in a["topics"]}
    assert {
        a["id"] for a in articles if article_uuid(a["id"]) in members["economic-figures"]
    } == expected


def test_the_view_stores_the_deciding_meeting_its_countries_and_the_figures_measures(
    store: EventStore, config: FeedsConfig
) -> None:
    event = ingested(
        "talks",
        title="Thủ tướng hội đàm với Thủ tướng Lào",
        text="Hai bên ký kết. Kim ngạch thương mại năm 2024 đạt 1,64 tỷ USD.",
    )
    store.append("article-x", [event])
    runner = ProjectionRunner(store, build_projections(config))
    runner.catch_up()
    tables = runner.tables("topics")
    entries, articles, figures = tables["topic_entries"], tables["feed_articles"], tables["figures"]
    with store.engine.connect() as conn:
        row = conn.execute(select(entries).where(entries.c.topic_id == "bilateral-meetings")).one()
        article = conn.execute(select(articles)).one()
        figure = conn.execute(select(figures)).one()
    assert json.loads(row.explanation) == [
        {
            "rule": "meeting-of-two-states",
            "field": "title",
            "kind": "include",
            "weight": 1.0,
            "words": ["talks, happened: Thủ tướng [VN] – Thủ tướng Lào [LA]: «hội đàm»"],
        }
    ]
    assert article.countries == "LA,VN"
    (meeting,) = json.loads(article.meetings)
    assert [s["country"] for s in meeting["sides"]] == ["VN", "LA"]
    assert (figure.measure, figure.economic, figure.period) == ("trade", True, "năm 2024")


def test_a_revision_updates_the_entry_and_can_move_it_between_topics(
    store: EventStore, config: FeedsConfig
) -> None:
    stream = f"article-{article_uuid('rev')}"
    store.append(stream, [ingested("rev", title="Thương mại", text="Kim ngạch đạt 2,2 tỷ USD.")])
    runner = ProjectionRunner(store, build_projections(config))
    runner.catch_up()
    assert article_uuid("rev") in _members(runner)["economic-figures"]
    revised = ingested("rev", title="Thương mại", text="Hai nước hợp tác.", version=2)
    store.append(stream, [revised, sighted("rev", source_id="vov")])
    runner.catch_up()
    members = _members(runner)
    assert article_uuid("rev") not in members.get("economic-figures", set())
    articles = runner.tables("topics")["feed_articles"]
    figures = runner.tables("topics")["figures"]
    with store.engine.connect() as conn:
        row = conn.execute(select(articles)).one()
        assert conn.execute(select(figures)).all() == []
    assert (row.version, row.text) == (2, "Hai nước hợp tác.")
    assert row.updated == revised.data["fetched"]  # a revision moves `updated`, from event data
    assert row.published == revised.data["published"]


def test_figures_view_holds_each_figure_with_its_span(
    store: EventStore, config: FeedsConfig
) -> None:
    text = "Năm 2024 kim ngạch đạt 2,2 tỷ USD, tăng 34%. Có 245 dự án."
    store.append("article-f", [ingested("f", title="Kinh tế", text=text)])
    runner = ProjectionRunner(store, build_projections(config))
    runner.catch_up()
    table = runner.tables("topics")["figures"]
    with store.engine.connect() as conn:
        rows = conn.execute(select(table).order_by(table.c.ordinal)).all()
    assert [(r.kind, r.value, r.unit, r.text) for r in rows] == [
        ("money", "2200000000", "USD", "2,2 tỷ USD"),
        ("percent", "34", "%", "tăng 34%"),
        ("count", "245", "projects", "245 dự án"),
    ]
    assert all(text[r.start : r.end] == r.text for r in rows)


def test_replay_ends_identical_to_incremental_processing(
    store: EventStore, config: FeedsConfig
) -> None:
    append_labelled(store)
    store.append(
        f"article-{article_uuid('vi-growth')}",
        [
            ingested("vi-growth", title="Kinh tế Lào", text="Không còn số liệu.", version=2),
            sighted("vi-growth", source_id="vov"),
        ],
    )
    small = replace(config, entries_per_feed=7)
    runner = ProjectionRunner(store, build_projections(small), batch_size=9)
    runner.catch_up()
    before = _dump(runner, "topics")
    runner.replay()
    assert _dump(runner, "topics") == before


def test_replay_with_changed_topics_reports_entered_and_left_per_topic(
    store: EventStore, config: FeedsConfig, tmp_path: Path
) -> None:
    append_labelled(store)
    ProjectionRunner(store, build_projections(config)).catch_up()
    # New rules: only articles mentioning Cambodia are meetings; a new topic appears.
    topics = parse_topics(
        [
            {"id": "all", "match": "all"},
            {
                "id": "bilateral-meetings",
                "rules": [{"id": "kh", "phrases": ["campuchia", "cambodian"]}],
            },
            {"id": "laos", "rules": [{"id": "la", "phrases": ["lào", "laos"]}]},
        ],
        file="new.toml",
    )
    runner = ProjectionRunner(store, build_projections(replace(config, topics=tuple(topics))))
    (result,) = runner.replay("topics")
    changes = result.changes["topics"]
    old = {a["id"] for a in labelled() if "bilateral-meetings" in a["topics"]}
    new = {
        a["id"]
        for a in labelled()
        if "campuchia" in (a["title"] + a["text"]).lower()
        or "cambodian" in (a["title"] + a["text"]).lower()
    }
    assert changes["bilateral-meetings"] == {"entered": len(new - old), "left": len(old - new)}
    assert changes["all"] == {"entered": 0, "left": 0}
    assert changes["laos"]["entered"] > 10 and changes["laos"]["left"] == 0
    assert changes["economic-figures"]["entered"] == 0
    assert changes["economic-figures"]["left"] == sum(
        "economic-figures" in a["topics"] for a in labelled()
    )


def test_the_order_of_the_topics_changes_no_row_and_rebuilds_nothing(
    store: EventStore, tmp_path: Path
) -> None:
    """Topics listed in another order (the index page's order) are judged the same: the
    view is rebuilt to the same rows, so its digest stays and nothing is rebuilt. Reversed,
    the topics narrowed to two countries come before the topics they narrow."""
    from store.fingerprints import digest

    narrowed = [
        {"id": f"vn-la-{base}", "title": base, "base": base, "countries": ["VN", "LA"]}
        for base in ("bilateral-meetings", "economic-figures")
    ]
    config = feeds_config(tmp_path, {"topics": narrowed})
    append_labelled(store, labelled(classes=True))
    runner = ProjectionRunner(store, build_projections(config))
    runner.catch_up()
    before = _dump(runner, "topics")
    reordered = replace(config, topics=tuple(reversed(config.topics)))
    assert [t.id for t in reordered.topics] != [t.id for t in config.topics]
    other = ProjectionRunner(store, build_projections(reordered))
    other.replay("topics")
    assert _dump(other, "topics") == before
    [ours, theirs] = [
        digest(next(p for p in build_projections(c) if p.name == "topics"))
        for c in (config, reordered)
    ]
    assert ours == theirs
    assert any(row[0] == "vn-la-bilateral-meetings" for row in before["topic_entries"])
