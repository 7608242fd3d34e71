"""The `[worker]` table: durations, a replica id, and errors naming the file and field."""

from __future__ import annotations

import pytest

from newsledger.config import ConfigError
from newsledger.worker.settings import WorkerSettings, parse_worker_settings


def test_defaults_need_no_worker_table_and_name_the_replica_after_host_and_pid() -> None:
    settings = parse_worker_settings({}, file="n.toml", environ={})
    assert settings.lease_ttl == 60
    assert settings.misfire_grace == 300
    assert settings.replica_id.endswith(f"-{__import__('os').getpid()}")


def test_durations_are_read_like_source_intervals() -> None:
    raw = {"worker": {"jitter": "5s", "misfire_grace": "2m", "lease_ttl": "90s", "concurrency": 4}}
    settings = parse_worker_settings(raw, file="n.toml", environ={})
    assert (settings.jitter, settings.misfire_grace, settings.lease_ttl) == (5, 120, 90)
    assert settings.concurrency == 4


def test_the_environment_names_the_replica() -> None:
    raw = {"worker": {"replica_id": "from-file"}}
    settings = parse_worker_settings(
        raw, file="n.toml", environ={"NEWSLEDGER_REPLICA_ID": "worker-2"}
    )
    assert settings.replica_id == "worker-2"


def test_jitter_never_exceeds_a_tenth_of_the_interval() -> None:
    settings = WorkerSettings(jitter=30)
    assert settings.jitter_for(1800) == 30
    assert settings.jitter_for(60) == 6


@pytest.mark.parametrize(
    ("value", "shared", "in_memory"),
    [(None, True, False), ("auto", True, False), (True, True, True), (False, False, False)],
)
def test_the_projection_process_is_on_unless_the_file_says_or_the_store_is_in_memory(
    value: object, shared: bool, in_memory: bool
) -> None:
    # A SQLite file or PostgreSQL: on by default (README, "The worker"); an in-memory
    # SQLite database is private to its process, so the child could not follow it.
    table = {} if value is None else {"projection_process": value}
    settings = parse_worker_settings({"worker": table}, file="n.toml", environ={})
    assert settings.projects_in_a_process(shared=True) is shared
    assert settings.projects_in_a_process(shared=False) is in_memory


@pytest.mark.parametrize(
    ("table", "field"),
    [
        ({"jitter": "soon"}, "jitter"),
        ({"concurrency": 0}, "concurrency"),
        ({"lease_ttl": "0s"}, "lease_ttl"),
        ({"colour": "blue"}, "colour"),
        ({"projection_process": "yes"}, "projection_process"),
    ],
)
def test_bad_values_are_refused_naming_the_file_and_the_field(
    table: dict[str, object], field: str
) -> None:
    with pytest.raises(ConfigError, match=rf"n\.toml: \[worker\] field '{field}'"):
        parse_worker_settings({"worker": table}, file="n.toml", environ={})
