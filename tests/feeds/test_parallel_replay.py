"""A replay that classifies and extracts in worker processes (store/ahead.py) builds the very
same view, publishes byte-identical files and records the same faults as a replay in one
process; so does a long catch-up."""

from __future__ import annotations

import hashlib
import logging
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, select

from feeds.config import FeedsConfig
from feeds.projections import build_projections
from feeds.publisher import publish_all
from store import EventStore, NewEvent, ProjectionRunner
from tests.feeds.conftest import append_labelled, article_uuid, ingested, labelled, sighted


def _dump(runner: ProjectionRunner, name: str = "topics") -> dict[str, list[tuple[Any, ...]]]:
    tables = runner.tables(name)
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


@pytest.mark.parametrize("workers", [1, 2])
def test_a_replay_in_worker_processes_equals_one_in_a_single_process(
    store: EventStore,
    config: FeedsConfig,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    workers: int,
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
    # The workers hand their results over in files of a folder of the replay's own.
    spill = tmp_path / "tmp"
    spill.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spill))
    results = []
    for processes, folder in ((0, "single"), (workers, "pool")):
        own = replace(config, output_dir=tmp_path / folder, entries_per_feed=7)
        runner = ProjectionRunner(
            store, build_projections(own), batch_size=5, workers=processes, ahead_from=0
        )
        runner.replay()
        publish_all(runner, own)
        results.append((_dump(runner), _files(tmp_path / folder)))
    (single_view, single_files), (pool_view, pool_files) = results
    assert sum(len(rows) for rows in single_view.values()) > len(articles)
    assert pool_view == single_view
    assert pool_files == single_files
    assert len(single_files) > 3
    # The workers did the work: no batch fell back to the applying process.
    assert not [r for r in caplog.records if r.name == "store.ahead"]
    assert not list(spill.iterdir())  # every handed-over file and the folder are gone


def test_a_long_catch_up_in_worker_processes_builds_the_view_of_a_replay_in_one_process(
    store: EventStore, config: FeedsConfig, caplog: pytest.LogCaptureFixture
) -> None:
    append_labelled(store, labelled(classes=True))
    store.append(f"article-{article_uuid('vi-growth')}", [sighted("vi-growth", source_id="vov")])
    ahead = ProjectionRunner(
        store, build_projections(config), batch_size=5, workers=2, ahead_from=0
    )
    ahead.catch_up()
    caught_up = [_dump(ahead, name) for name in ("topics", "stories")]
    ProjectionRunner(store, build_projections(config), batch_size=5, workers=0).replay()
    assert [_dump(ahead, name) for name in ("topics", "stories")] == caught_up
    assert all(sum(len(rows) for rows in view.values()) > 0 for view in caught_up)
    assert not [r for r in caplog.records if r.name == "store.ahead"]


def test_without_a_temporary_folder_the_workers_results_come_through_the_pipe(
    store: EventStore,
    config: FeedsConfig,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    append_labelled(store, labelled(classes=True))
    single = ProjectionRunner(store, build_projections(config), batch_size=5, workers=0)
    single.replay()
    expected = _dump(single)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))  # as a read-only /tmp
    ahead = ProjectionRunner(
        store, build_projections(config), batch_size=5, workers=1, ahead_from=0
    )
    with caplog.at_level(logging.WARNING, logger="store.ahead"):
        ahead.replay()
    assert _dump(ahead) == expected
    # A warning for the folder (one per projection replayed); no batch fell back to the
    # applying process.
    messages = [r.getMessage() for r in caplog.records if r.name == "store.ahead"]
    assert messages and all("through a pipe" in m for m in messages)


def test_a_replay_in_worker_processes_records_the_faults_of_one_in_a_single_process(
    store: EventStore, config: FeedsConfig, caplog: pytest.LogCaptureFixture
) -> None:
    articles = labelled()
    append_labelled(store, articles[:7])
    # An event no projection can apply (no article id): its worker fails on its batch,
    # which the applying process then reads and applies event by event.
    poison = ingested("poison", title="Bài độc", text="Không có mã bài.")
    bad = {k: v for k, v in poison.data.items() if k != "article_id"}
    store.append("article-poison", [NewEvent(poison.type, bad)])
    append_labelled(store, articles[7:14])
    results = []
    for workers in (0, 2):
        runner = ProjectionRunner(
            store, build_projections(config), batch_size=5, workers=workers, ahead_from=0
        )
        runner.replay()
        faults = {
            n: [(f.position, f.type) for f in runner.faults(n)] for n in ("topics", "stories")
        }
        results.append((_dump(runner), faults))
    assert results[1] == results[0]
    assert results[0][1]["topics"] == [(8, "ArticleIngested")]
    assert results[0][1]["stories"] == [(8, "ArticleIngested")]
    fell_back = [r for r in caplog.records if r.name == "store.ahead"]
    assert fell_back and all(r.levelno == logging.WARNING for r in fell_back)


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


def test_a_revision_in_the_batch_of_a_worker_prepared_version_keeps_the_text_it_replaced(
    store: EventStore, config: FeedsConfig
) -> None:
    # A worker sends a prepared article's text back as UTF-8 bytes: the revision applied
    # in the same batch must still diff against that text, and the view store it as text.
    append_labelled(store)
    name = "bản-sửa"
    stream = f"article-{article_uuid(name)}"
    texts = ["Hội nghị thượng đỉnh ở Viêng Chăn.", "Hội nghị ở Hà Nội, 27.000 tỷ đồng."]
    store.append(stream, [ingested(name, title="Tin", text=texts[0])])
    store.append(
        stream, [ingested(name, title="Tin", text=texts[1], version=2)], expected_version=1
    )
    views = []
    for processes in (0, 1):
        runner = ProjectionRunner(
            store, build_projections(config), batch_size=1_000, workers=processes, ahead_from=0
        )
        runner.replay()
        views.append(_dump(runner))
    assert views[1] == views[0]
    events = [r for r in views[1]["article_events"] if r[0] == article_uuid(name)]
    assert [r[13] for r in events] == [None, f"Tin\n\n{texts[0]}"]
    (article,) = [r for r in views[1]["feed_articles"] if r[0] == article_uuid(name)]
    assert article[6] == texts[1] and isinstance(article[6], str)
