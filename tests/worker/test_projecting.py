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


def test_a_reload_keeps_the_projection_process_unless_the_views_rules_change(
    tmp_path: Path,
) -> None:
    """A reload used to stop the projection process whatever changed, so a source added
    during an hour-long rebuild of a view started the rebuild over. Now a new process is
    started only for other rules (a view's digest), which the old one must not extend."""
    from newsledger.config import load_settings
    from newsledger.worker.scheduler import Worker
    from newsledger.worker.settings import parse_worker_settings
    from tests.worker.conftest import write_config

    url = f"sqlite:///{tmp_path}/w.db"
    folder = {"id": "a", "kind": "folder", "path": str(tmp_path), "interval": "1h"}
    other = {**folder, "id": "b", "interval": "5m"}  # added, then its interval changed
    trade = '[[topics]]\nid = "trade"\ntitle = "Trade"\n[[topics.rules]]\nid = "t"\n'
    trade += 'kind = "include"\nphrases = ["trade"]\n'

    def app_of(sources: list[dict[str, str]], extra: str = "") -> tuple[App, WorkerSettings]:
        config = write_config(tmp_path, store_url=url, sources=sources, extra=extra)
        app = App(settings=load_settings(str(config), environ={}))
        return app, parse_worker_settings(app.settings.raw, file=app.settings.name, environ={})

    worker = Worker(*app_of([folder]))
    first = worker.projecting
    assert first.process is not None
    first.start()
    apps = [worker.app]
    try:
        for sources in ([folder, other], [folder, {**other, "interval": "1m"}]):
            app, settings = app_of(sources)
            apps.append(app)
            worker.reschedule(app, settings)
            assert worker.projecting is first and first.process.alive
        app, settings = app_of([folder, other], extra=trade)  # a topic added: other rules
        apps.append(app)
        worker.reschedule(app, settings)
        assert worker.projecting is not first
        assert first.process.stopped and not first.process.alive
    finally:
        worker.projecting.stop()
        first.stop()
        worker.poller.close()
        for app in apps:
            app.close()
