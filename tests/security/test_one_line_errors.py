"""Finding 10: mistakes a person can fix give one line `Error: …` and exit 1, never a
traceback; misspelt tables and keys are refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.security.conftest import newsledger


def _one_line(ran: object) -> str:
    code, err = ran.code, ran.err
    assert code == 1, ran
    assert "Traceback" not in err, err[-3000:]
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), err[-3000:]
    return str(lines[0])


CONFIGS = {
    "an unsupported dialect": (
        '[store]\nurl = "mysql://u@h/x"\n',
        "unsupported database 'mysql': newsledger runs on sqlite (sqlite:///path/to/file.db) "
        "or postgresql (postgresql://user@host/db)",
    ),
    "no URL at all": ('[store]\nurl = "://"\n', "not a database URL: '://'"),
    "a misspelt table": ('[feed]\noutput_dir = "x"\n', "unknown table or key 'feed'"),
    "an unknown store key": ('[store]\nuri = "sqlite:///x.db"\n', "unknown key 'uri'"),
}


@pytest.mark.parametrize("case", sorted(CONFIGS))
def test_a_bad_store_or_table_is_one_line_naming_what_is_wrong(case: str, tmp_path: Path) -> None:
    text, words = CONFIGS[case]
    config = tmp_path / "newsledger.toml"
    config.write_text(text, encoding="utf-8")
    for command in (["status"], ["verify"], ["run", "--once"]):
        error = _one_line(newsledger(*command, config=config))
        assert str(config) in error and words in error, error


def test_an_unsupported_database_url_in_the_environment_is_named(tmp_path: Path) -> None:
    config = tmp_path / "newsledger.toml"
    config.write_text("", encoding="utf-8")
    error = _one_line(newsledger("verify", config=config, DATABASE_URL="mysql://u@h/x"))
    assert error.startswith("Error: DATABASE_URL: unsupported database 'mysql'")


def test_export_to_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "newsledger.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{tmp_path}/n.db"\n', encoding="utf-8")
    error = _one_line(newsledger("export", "--output", "/nonexistent/dir/x", config=config))
    assert error == "Error: cannot write /nonexistent/dir/x: No such file or directory"


@pytest.mark.parametrize(
    "args",
    [
        ("serve", "--port", "99999"),
        ("serve", "--port", "-1"),
        ("run", "--port", "70000"),
        ("run", "--no-serve", "--metrics-port", "65536"),
        ("serve", "--refresh", "nan"),
        ("serve", "--refresh", "inf"),
    ],
)
def test_impossible_ports_and_periods_are_one_line(args: tuple[str, ...], tmp_path: Path) -> None:
    config = tmp_path / "newsledger.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{tmp_path}/n.db"\n', encoding="utf-8")
    error = _one_line(newsledger(*args, config=config, timeout=60))
    assert args[-1] in error


def test_the_documented_stories_table_is_taken_and_its_values_checked(tmp_path: Path) -> None:
    """`[stories]` (README, configuration): the top level refused it as an unknown table, so
    the thresholds and `across_languages` could not be set at all."""
    config = tmp_path / "newsledger.toml"
    store = f'[store]\nurl = "sqlite:///{tmp_path}/n.db"\n'
    config.write_text(store + "[stories]\njaccard = 0.5\nacross_languages = false\n", "utf-8")
    for command in (["stories", "--json"], ["publish"], ["status"]):
        ran = newsledger(*command, config=config)
        assert ran.code == 0, ran
    config.write_text(store + "[stories]\njaccard = 2\n", "utf-8")
    error = _one_line(newsledger("stories", config=config))
    assert "[stories] jaccard must be a number above 0 and at most 1" in error, error


def test_a_position_past_the_logs_range_and_a_port_in_use_are_one_line(tmp_path: Path) -> None:
    """`events --after 2**63` raised OverflowError from the driver, and `serve` on a port
    in use printed uvicorn's lines and exited with status 3."""
    import socket

    config = tmp_path / "newsledger.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{tmp_path}/n.db"\n', encoding="utf-8")
    error = _one_line(newsledger("events", "--after", str(2**63), config=config))
    assert error == f"Error: --after {2**63} is not a log position (0 to 2^63-1)"
    # A negative limit printed nothing and said nothing.
    error = _one_line(newsledger("events", "--limit", "-1", config=config))
    assert error == "Error: --limit -1 is not a number of events (0 or more)"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        args = ("serve", "--host", "127.0.0.1", "--port", str(port), "--no-publish")
        error = _one_line(newsledger(*args, config=config, timeout=60))
    assert error.startswith(f"Error: cannot listen on 127.0.0.1:{port}: "), error


@pytest.mark.parametrize("command", [("run", "--once"), ("status",), ("fetch",)])
def test_a_sqlite_file_that_can_never_open_is_one_line_at_once(
    command: tuple[str, ...], tmp_path: Path
) -> None:
    """The driver says only "unable to open database file", which the worker took for a
    database that is down: `run --once` retried for ever."""
    config = tmp_path / "newsledger.toml"
    config.write_text("", encoding="utf-8")
    (tmp_path / "adir").mkdir()
    missing = newsledger(*command, config=config, DATABASE_URL="sqlite:///nodir/x.db", timeout=30)
    assert _one_line(missing) == (
        f"Error: DATABASE_URL: the folder {tmp_path / 'nodir'} does not exist (newsledger"
        " creates the database file, not its folder)"
    )
    folder = newsledger(*command, config=config, DATABASE_URL="sqlite:///adir", timeout=30)
    assert (
        _one_line(folder)
        == f"Error: DATABASE_URL: {tmp_path / 'adir'} is a folder, not a database file"
    )


def test_ctrl_c_during_a_fetch_says_how_many_events_were_kept(tmp_path: Path) -> None:
    """ "Aborted!" alone left the operator guessing what the interrupted round had stored;
    each batch is one transaction, and the next fetch goes on from where it stopped."""
    import os
    import signal
    import sqlite3
    import subprocess
    import sys
    import time

    from tests.security.conftest import REPO

    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(20_000):
        (folder / f"{n}.txt").write_text(
            f"Tin số {n}\n\nHai bên trao đổi về dự án số {n} tại Viêng Chăn.\n", "utf-8"
        )
    db = tmp_path / "n.db"
    config = tmp_path / "newsledger.toml"
    config.write_text(
        f'[store]\nurl = "sqlite:///{db}"\n\n[[sources]]\nid = "many"\nkind = "folder"\n'
        f'path = "{folder}"\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSLEDGER_")}
    env["PYTHONPATH"] = str(REPO)
    fetch = subprocess.Popen(
        [sys.executable, "-m", "newsledger.cli", "--config", str(config), "fetch"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip

    def stored() -> int:
        try:
            with sqlite3.connect(db) as conn:
                return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])
        except sqlite3.Error:
            return 0

    deadline = time.monotonic() + 120
    while stored() == 0 and fetch.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    fetch.send_signal(signal.SIGINT)
    _, err = fetch.communicate(timeout=120)
    kept = stored()
    assert 0 < kept < 20_000, "the round ended before it could be interrupted"
    assert fetch.returncode == 1
    assert err.strip().splitlines() == [
        f"Error: interrupted; {kept} events were appended before it"
    ]
