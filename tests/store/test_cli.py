"""The store's commands, run as a person runs them: one-line errors, non-zero exits."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from newsledger.cli import cli
from store import EventStore, NewEvent
from tests.conftest import pg_schema


def run(url: str, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    environment = {"DATABASE_URL": url, "NEWSLEDGER_CONFIG": "/dev/null", **(env or {})}
    result = CliRunner().invoke(cli, list(args), env=environment)
    return result.exit_code, result.stdout, result.stderr


def _fill(url: str, count: int = 5) -> None:
    store = EventStore.open(url)
    for n in range(count):
        store.append(
            f"article-{n}",
            [
                NewEvent(
                    "SourceGone",
                    {
                        "source_id": f"s{n}",
                        "url": f"https://news.example.vn/{n}.rss",
                        "status": 410,
                        "message": f"Bản tin {n}: Lào – Việt Nam",
                        "fetched": "2025-01-06T08:00:00Z",
                    },
                    keys=(f"k:{n}",),
                )
            ],
        )
    store.close()


@pytest.fixture
def other_url(store_url: str, tmp_path: Path) -> Iterator[str]:
    """A second, empty store on the same backend as `store_url`."""
    if store_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path}/other.db"
    else:
        with pg_schema() as url:
            yield url


def test_export_import_export_through_the_cli_is_byte_identical(
    store_url: str, other_url: str, tmp_path: Path
) -> None:
    _fill(store_url)
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    assert run(store_url, "export", "--output", str(first))[0] == 0
    code, out, _ = run(other_url, "import", str(first))
    assert code == 0, out
    assert "imported 5 events" in out
    assert run(other_url, "export", "-o", str(second))[0] == 0
    assert first.read_bytes() == second.read_bytes()
    code, out, _ = run(other_url, "export")
    assert out.encode() == first.read_bytes()


def test_import_into_a_non_empty_store_is_refused_in_one_line(
    store_url: str, tmp_path: Path
) -> None:
    _fill(store_url, 2)
    dump = tmp_path / "dump.jsonl"
    run(store_url, "export", "-o", str(dump))
    code, _, err = run(store_url, "import", str(dump))
    assert code == 1
    assert err.strip() == "Error: the store is not empty: import only into a new database"


def test_a_truncated_import_file_is_refused_and_nothing_is_written(
    sqlite_url: str, tmp_path: Path
) -> None:
    _fill(sqlite_url, 3)
    dump = tmp_path / "dump.jsonl"
    run(sqlite_url, "export", "-o", str(dump))
    whole = dump.read_bytes()
    last_event = whole.rstrip(b"\n").rfind(b"\n", 0, whole.rstrip(b"\n").rfind(b"\n"))
    target = f"sqlite:///{tmp_path}/target.db"
    # Cut inside the third event's line, then exactly after it (the end line lost: a copy
    # stopped between two writes).
    for cut, said in [
        (last_event + 30, "line 4: not a JSON object"),
        (last_event + 1, "ends after line 3 (2 events) without its end line: truncated"),
    ]:
        dump.write_bytes(whole[:cut])
        code, _, err = run(target, "import", str(dump))
        assert code == 1
        assert said in err and "truncated" in err
        assert len(err.strip().splitlines()) == 1
        assert EventStore.open(target).head() == 0


def test_import_says_when_a_file_has_no_end_line_to_check(sqlite_url: str, tmp_path: Path) -> None:
    _fill(sqlite_url, 3)
    dump = tmp_path / "dump.jsonl"
    run(sqlite_url, "export", "-o", str(dump))
    code, out, _ = run(f"sqlite:///{tmp_path}/whole.db", "import", str(dump))
    assert (code, out.strip()) == (
        0,
        f"imported 3 events from {dump}; hash chain and end line verified",
    )
    # An export written before the format and end lines (format version 1).
    lines = dump.read_text(encoding="utf-8").splitlines()[1:-1]
    dump.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    code, out, _ = run(f"sqlite:///{tmp_path}/old.db", "import", str(dump))
    assert code == 0
    assert "imported 3 events" in out and "no end line" in out and "cannot be checked" in out


def test_an_empty_file_or_blank_lines_are_refused_as_no_export(
    sqlite_url: str, tmp_path: Path
) -> None:
    # An export that failed or a copy cut to nothing: taken as an empty export it said
    # "imported 0 events" and left the operator believing the log was moved.
    for content in (b"", b"\n\n  \n"):
        dump = tmp_path / "dump.jsonl"
        dump.write_bytes(content)
        code, out, err = run(sqlite_url, "import", str(dump))
        assert code == 1, out
        assert err.strip().startswith("Error: the file holds no events and no format line")
    # An export of an empty store is still imported: it has its format and end lines.
    empty = tmp_path / "empty.jsonl"
    assert run(f"sqlite:///{tmp_path}/nothing.db", "export", "-o", str(empty))[0] == 0
    code, out, _ = run(sqlite_url, "import", str(empty))
    assert code == 0 and "imported 0 events" in out


def test_verify_says_ok_then_names_the_tampered_position(sqlite_url: str) -> None:
    _fill(sqlite_url, 4)
    code, out, _ = run(sqlite_url, "verify")
    assert (code, out.strip()) == (0, "OK: 4 events, hash chain intact")
    store = EventStore.open(sqlite_url)
    with store.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER events_no_update"))
        conn.execute(text("UPDATE events SET stream_id = 'forged' WHERE position = 3"))
    code, _, err = run(sqlite_url, "verify")
    assert code == 1
    assert "BROKEN at position 3" in err


def test_events_prints_json_lines_filtered_by_type_and_position(store_url: str) -> None:
    _fill(store_url, 3)
    store = EventStore.open(store_url)
    store.append("other", [NewEvent("Other", {"message": "x"})])
    store.close()
    code, out, _ = run(store_url, "events", "--json", "--after", "1", "--type", "SourceGone")
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["position"] for line in lines] == [2, 3]
    assert lines[0]["data"]["message"] == "Bản tin 1: Lào – Việt Nam"
    assert set(lines[0]) >= {"event_id", "stream_id", "type", "recorded_at", "metadata"}


def test_events_prints_a_table_for_a_person(sqlite_url: str) -> None:
    _fill(sqlite_url, 2)
    code, out, _ = run(sqlite_url, "events")
    assert code == 0
    assert "SourceGone" in out and "Bản tin 1" in out


def test_an_unreachable_database_is_a_one_line_error(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://postgres@127.0.0.1:{port}/test?connect_timeout=2"
    code, _, err = run(url, "verify")
    assert code == 1
    assert err.startswith("Error: cannot connect to postgresql+psycopg://postgres@127.0.0.1:")
    assert len(err.strip().splitlines()) == 1


def test_a_database_newer_than_the_code_is_a_one_line_error(sqlite_url: str) -> None:
    _fill(sqlite_url, 1)
    store = EventStore.open(sqlite_url)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'from_the_future'"))
    code, _, err = run(sqlite_url, "events")
    assert code == 1
    assert "from_the_future" in err and "upgrade newsledger" in err
    assert len(err.strip().splitlines()) == 1


def test_db_upgrade_creates_then_reports_the_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/fresh.db"
    code, out, _ = run(url, "db", "upgrade")
    assert code == 0
    assert out.startswith("schema upgraded from empty to ")
    code, out, _ = run(url, "db", "upgrade")
    assert out.startswith("schema already at revision")
