"""The worker's side of its projection process: it follows the store the worker has open
(a reload that names another store keeps the open one), and once stopped it never starts
again (a publish racing a reload must not bring back the old configuration's process)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from newsledger.app import App
from newsledger.config import Settings
from newsledger.worker.projecting import Projecting
from newsledger.worker.settings import WorkerSettings
from store import EventStore


def test_the_child_follows_the_store_the_worker_has_open(tmp_path: Path) -> None:
    store = EventStore.open(f"sqlite:///{tmp_path}/open.db")
    reloaded = Settings(path=None, store_url=f"sqlite:///{tmp_path}/other.db", raw={})
    projecting = Projecting(
        App(settings=reloaded, store=store), WorkerSettings(projection_process=True)
    )
    assert projecting.process is not None
    projecting.start()
    try:
        # It answers from the open log (an empty one: nothing to apply).
        applied = projecting.wait_through(store.head())
        assert applied == {"ingest_sources": 0, "stories": 0, "topics": 0}
        assert not (tmp_path / "other.db").exists()  # and never opened the other one
    finally:
        projecting.stop()
        store.close()


def test_a_stopped_projection_process_never_starts_again(tmp_path: Path) -> None:
    store = EventStore.open(f"sqlite:///{tmp_path}/s.db")
    settings = Settings(path=None, store_url=f"sqlite:///{tmp_path}/s.db", raw={})
    projecting = Projecting(App(settings=settings, store=store), WorkerSettings())
    assert projecting.process is not None  # "auto" on a SQLite file: on
    projecting.stop()
    memory = EventStore.open("sqlite://")
    alone = Projecting(App(settings=settings, store=memory), WorkerSettings())
    assert alone.process is None  # no other process can open an in-memory database
    memory.close()
    forced = Projecting(
        App(settings=settings, store=store), replace(WorkerSettings(), projection_process=True)
    )
    assert forced.process is not None
    forced.stop()
    forced.process.start()  # a publish that saw it die before the stop
    assert not forced.process.alive
    store.close()
