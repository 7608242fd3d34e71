"""Replicas in one process on SQLite: fair shares of the sources, released on stop."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from newsledger.app import App
from newsledger.config import load_settings
from newsledger.worker.scheduler import Worker
from newsledger.worker.settings import parse_worker_settings
from tests.worker.conftest import write_config


@pytest.fixture
def config(tmp_path: Path) -> Path:
    sources = []
    for n in range(6):
        folder = tmp_path / f"folder{n}"
        folder.mkdir()
        (folder / "a.txt").write_text(
            f"Hai Bộ trưởng hội đàm lần thứ {n}\n\nChiều 3/3, hai Bộ trưởng hội đàm tại Hà Nội.\n",
            encoding="utf-8",
        )
        sources.append({"id": f"s{n}", "kind": "folder", "path": str(folder), "interval": "1h"})
    return write_config(tmp_path, store_url=f"sqlite:///{tmp_path}/share.db", sources=sources)


@pytest.fixture
def workers(config: Path) -> Iterator[list[Worker]]:
    made: list[Worker] = []
    for name in ("w1", "w2"):
        app = App(settings=load_settings(str(config), environ={}))
        settings = parse_worker_settings(
            app.settings.raw, file=app.settings.name, environ={"NEWSLEDGER_REPLICA_ID": name}
        )
        made.append(Worker(app, settings))
    yield made
    for worker in made:
        worker.poller.close()
        worker.app.close()


def leased(worker: Worker) -> dict[str, str]:
    return {lease.name: lease.owner for lease in worker.sharing.leases.all(prefix="source:")}


def test_a_lone_replica_polls_every_source(workers: list[Worker]) -> None:
    w1, _ = workers
    w1.heartbeat()
    reports = [w1.poll(f"s{n}") for n in range(6)]
    assert all(r is not None and r.outcome == "ok" for r in reports)
    assert set(leased(w1).values()) == {"w1"}


def test_a_second_replica_gets_a_fair_share_given_back_by_the_first(
    workers: list[Worker],
) -> None:
    w1, w2 = workers
    w1.heartbeat()
    for n in range(6):
        w1.poll(f"s{n}")
    w2.heartbeat()  # w2 joins: the fair share drops to 3
    assert w2.poll("s0") is None  # all six are still w1's
    w1.heartbeat()  # w1 gives back what exceeds its share
    assert len([o for o in leased(w1).values() if o == "w1"]) == 3
    polled = [n for n in range(6) if w2.poll(f"s{n}") is not None]
    assert len(polled) == 3
    assert sorted(leased(w1).values()) == ["w1", "w1", "w1", "w2", "w2", "w2"]
    assert w2.poll(f"s{polled[0]}") is not None  # sticky: w2 keeps polling its own


def test_a_stopped_replica_releases_its_leases_for_the_others(workers: list[Worker]) -> None:
    w1, w2 = workers
    w1.heartbeat()
    for n in range(6):
        w1.poll(f"s{n}")
    assert w1.stop()
    assert all(owner == "" for owner in leased(w1).values())
    w2.heartbeat()
    assert all(w2.poll(f"s{n}") is not None for n in range(6))


def test_the_same_content_polled_by_two_replicas_is_stored_once(workers: list[Worker]) -> None:
    w1, w2 = workers
    w1.poll("s0")
    w1.sharing.release()
    w2.poll("s0")  # a new replica re-reads the folder it never saw
    ingested = list(w1.app.store.read_all(types=["ArticleIngested"]))
    assert len(ingested) == 1


def test_the_leases_of_a_killed_replica_on_this_host_are_freed_at_once(
    workers: list[Worker],
) -> None:
    """A worker killed (kill -9, a crash) and restarted gets a new process id: its sources
    waited out the dead process's leases, polled by nobody, and `status` called it live."""
    import socket
    import subprocess
    import sys
    from datetime import timedelta

    w1, _ = workers
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    dead = f"{socket.gethostname()}-{done.stdout.strip()}"  # a process that has exited
    store = w1.app.store
    w1.sharing.set_ttl(60.0)
    # Its membership was last renewed 40 s ago (lease_ttl 60 s, renewed every 20 s).
    store.leases(owner=dead, ttl=timedelta(seconds=20)).acquire_many(
        ["source:s0", "source:s1", f"worker:{dead}"]
    )
    elsewhere = "other-host-12"  # another host's replica, or a named one: left to expire
    store.leases(owner=elsewhere, ttl=timedelta(seconds=20)).acquire_many(
        ["source:s2", f"worker:{elsewhere}"]
    )
    assert w1.poll("s0") is None  # held by the dead process
    w1.heartbeat()
    assert w1.poll("s0") is not None and w1.poll("s1") is not None
    assert leased(w1)["source:s2"] == elsewhere and w1.poll("s2") is None


def test_a_replica_that_renews_on_time_keeps_its_leases_whatever_its_process_id(
    workers: list[Worker],
) -> None:
    """Host networking: containers share the host name, not their process ids. A replica
    whose pid is not alive here but that renewed on time is someone else's, alive."""
    import socket
    import subprocess
    import sys
    from datetime import timedelta

    w1, _ = workers
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    other = f"{socket.gethostname()}-{done.stdout.strip()}"
    w1.sharing.set_ttl(60.0)
    w1.app.store.leases(owner=other, ttl=timedelta(seconds=60)).acquire_many(
        ["source:s0", f"worker:{other}"]
    )
    assert w1.sharing.free_gone_here() == {}
    assert leased(w1)["source:s0"] == other


@pytest.fixture
def twins(config: Path) -> Iterator[list[Worker]]:
    """Two workers given the same replica id, as two containers with one environment."""
    made: list[Worker] = []
    for _ in range(2):
        app = App(settings=load_settings(str(config), environ={}))
        settings = parse_worker_settings(
            app.settings.raw, file=app.settings.name, environ={"NEWSLEDGER_REPLICA_ID": "same"}
        )
        made.append(Worker(app, settings))
    yield made
    for worker in made:
        worker.poller.close()
        worker.app.close()


def test_a_second_worker_under_the_same_replica_id_is_reported_once_seen_renewing(
    twins: list[Worker], caplog: pytest.LogCaptureFixture
) -> None:
    """Both share every lease of the id, so both poll every source either holds: nothing
    stops that but the operator, who is told by the log and /healthz."""
    from newsledger.worker.lifecycle import health

    first, second = twins
    first.heartbeat()
    second.heartbeat()  # the instance lease is held: seen, not yet known to be renewed
    assert second.sharing.duplicate is None
    first.heartbeat()  # renewed by a live process
    with caplog.at_level("ERROR", logger="newsledger.worker.sharing"):
        second.heartbeat()
        second.heartbeat()
    assert second.sharing.duplicate == first.sharing.instance
    errors = [r for r in caplog.records if "another worker is running as replica same" in r.message]
    assert len(errors) == 1  # once, not at every heartbeat
    _, details = health(second)
    assert details["status"] == "degraded"
    assert details["duplicate_replica"] == first.sharing.instance
    assert first.sharing.duplicate is None  # the holder cannot see the other; one report is enough

    first.sharing.release()  # stopped (SIGTERM): its instance lease is free at once
    with caplog.at_level("WARNING", logger="newsledger.worker.sharing"):
        second.heartbeat()
    assert second.sharing.duplicate is None
    assert any("has stopped" in r.message for r in caplog.records)
    assert "duplicate_replica" not in health(second)[1]


def test_a_restart_under_the_same_replica_id_waits_out_the_killed_process_without_an_error(
    twins: list[Worker], caplog: pytest.LogCaptureFixture
) -> None:
    """A worker with a named id killed (kill -9) and started again: the dead process's
    instance lease is not renewed, so it is no duplicate; the new one takes the lease
    once it expires."""
    import time

    dead, restarted = twins
    for worker in twins:
        worker.sharing.set_ttl(0.6)
    dead.heartbeat()  # then killed: never renews again
    with caplog.at_level("ERROR", logger="newsledger.worker.sharing"):
        restarted.heartbeat()
        restarted.heartbeat()
        time.sleep(0.7)
        restarted.heartbeat()
    assert restarted.sharing.duplicate is None
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    held = restarted.sharing.leases.all(prefix="instance:same")
    assert [lease.owner for lease in held] == [restarted.sharing.instance]


def test_a_lease_taken_back_makes_the_replica_forget_what_another_polled_meanwhile(
    workers: list[Worker],
) -> None:
    """w1 polled s0 fine; w2 took it over and it failed there; when w1 takes it back and
    the folder reads fine, w1 must know of the failure to record the recovery, or the
    source stays "failing" for good."""
    from ingest import source_states

    w1, w2 = workers
    assert w1.sharing.claim("s0", sources=6) == "taken"
    assert w1.sharing.claim("s0", sources=6) == "renewed"
    w1.poll("s0")
    w1.sharing.release()
    folder = w2.app.ingest_config.source("s0").path
    folder.rename(folder.with_name("away"))  # the volume is gone while w2 holds it
    assert w2.poll("s0").outcome.startswith("failed:")
    w2.sharing.release()
    folder.with_name("away").rename(folder)
    # w1 now knows of w2's failure: within the back-off w2 recorded it waits (it used to
    # poll at once); after it, its poll records the recovery (it used to append nothing
    # and leave the source failing). Which of the two depends on this machine's speed.
    report = w1.poll("s0")
    assert report is not None
    if report.outcome == "deferred":
        assert source_states(w1.app.runner)["s0"].failures == 1
    else:
        assert report.events == {"SourceFetched": 1}, report
        assert source_states(w1.app.runner)["s0"].failures == 0
