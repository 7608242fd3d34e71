"""A replay that classifies and extracts in worker processes (store/ahead.py) builds the very
same view, and publishes byte-identical files, as a replay in one process."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, select

from feeds.config import FeedsConfig
from feeds.projections import build_projections
from feeds.publisher import publish_all
from store import EventStore, ProjectionRunner
from tests.feeds.conftest import append_labelled, article_uuid, ingested, labelled, sighted


def _dump(runner: ProjectionRunner) -> dict[str, list[tuple[Any, ...]]]:
    tables = runner.tables("topics")
    with runner.store.reading() as conn:
        return {
            base: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key)).all()]
            for base, t in tables.items()
        }


def _files(folder: Path) -> dict[str, str]:
    """Every published file's digest; not the publisher's manifest, which names the view
    generation it was published from (each replay makes a new one)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".newsledger-manifest.json"
    }


def test_a_replay_in_worker_processes_equals_one_in_a_single_process(
    store: EventStore, config: FeedsConfig, tmp_path: Path
) -> None:
    articles = labelled(classes=True)
    append_labelled(store, articles)
    store.append(
        f"article-{article_uuid('vi-growth')}",
        [
            ingested("vi-growth", title="Kinh tế Lào", text="Không còn số liệu.", version=2),
            sighted("vi-growth", source_id="vov"),
        ],
    )
    results = []
    for workers, folder in ((0, "single"), (2, "pool")):
        own = replace(config, output_dir=tmp_path / folder, entries_per_feed=7)
        runner = ProjectionRunner(
            store, build_projections(own), batch_size=5, workers=workers, ahead_from=0
        )
        runner.replay()
        publish_all(runner, own)
        results.append((_dump(runner), _files(tmp_path / folder)))
    (single_view, single_files), (pool_view, pool_files) = results
    assert sum(len(rows) for rows in single_view.values()) > len(articles)
    assert pool_view == single_view
    assert pool_files == single_files
    assert len(single_files) > 3


def _indexes(runner: ProjectionRunner, generation: int) -> dict[str, set[tuple[Any, ...]]]:
    """Each table's indexes as the database's catalog has them: (name, columns, unique)."""
    with runner.store.reading() as conn:
        catalog = inspect(conn)
        return {
            base: {
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in catalog.get_indexes(table.name)
            }
            for base, table in runner.projections["topics"].tables(generation).items()
        }


def test_a_replay_builds_its_indexes_after_the_rows_and_ends_with_the_full_schema(
    store: EventStore, config: FeedsConfig, tmp_path: Path
) -> None:
    append_labelled(store, labelled(classes=True))
    own = replace(config, output_dir=tmp_path / "out")
    runner = ProjectionRunner(store, build_projections(own), batch_size=5)
    topics = runner.projections["topics"]
    assert topics.deferred_indexes(topics.tables(2))  # the replay does defer some
    created = _indexes(runner, runner.checkpoint("topics").generation)  # made whole, at once
    runner.replay("topics")
    generation = runner.checkpoint("topics").generation
    assert generation == 2
    declared = {
        base: {(i.name, tuple(c.name for c in i.columns), bool(i.unique)) for i in t.indexes}
        for base, t in topics.tables(generation).items()
    }
    replayed = _indexes(runner, generation)
    assert replayed == declared
    renamed = {
        base: {(name.replace("_g1_", "_g2_"), cols, u) for name, cols, u in found}
        for base, found in created.items()
    }
    assert renamed == replayed
