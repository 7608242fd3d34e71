"""An attack on the configuration's edges (fifteenth session): each mistake gave a
traceback, showed a password, or made `run --once` wait for ever. Each is now one line
`Error: …` and exit 1, with the password hidden, or is read as its author meant."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.security.conftest import newsledger
from tests.security.test_one_line_errors import _one_line

#: Nothing listens on port 1 of this host: the connection is refused at once.
REFUSED = "postgresql://newsledger:s3cr3t@127.0.0.1:1/test"


def test_a_folder_given_as_the_configuration_file_is_one_line(tmp_path: Path) -> None:
    for command in (["check"], ["status"], ["run", "--once"]):
        error = _one_line(newsledger(*command, config=tmp_path, timeout=30))
        assert error == f"Error: {tmp_path}: is a folder, not a configuration file"


def test_a_configuration_file_written_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    """Notepad writes UTF-8 with a BOM; tomllib alone refuses it as "invalid statement"."""
    config = tmp_path / "newsledger.toml"
    text = f'[store]\nurl = "sqlite:///{tmp_path}/n.db"\n[serve]\nport = 8123\n'
    config.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    ran = newsledger("check", config=config, timeout=30)
    assert ran.code == 0, ran
    assert "serve: 127.0.0.1:8123" in ran.out


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("postgresql+asyncpg://u@h/x", "unsupported driver 'asyncpg' for postgresql"),
        ("postgresql+pg8000://u@h/x", "unsupported driver 'pg8000' for postgresql"),
        ("sqlite+pysqlcipher:///x.db", "unsupported driver 'pysqlcipher' for sqlite"),
    ],
)
def test_a_driver_the_store_is_not_written_for_is_refused_by_check(
    url: str, words: str, tmp_path: Path
) -> None:
    """`check` passed these; `status` and `run` then printed the driver's ImportError (or,
    with asyncpg installed, SQLAlchemy's greenlet error) as a traceback."""
    config = tmp_path / "newsledger.toml"
    config.write_text(f'[store]\nurl = "{url}"\n', encoding="utf-8")
    for command in (["check"], ["status"], ["run", "--once"]):
        error = _one_line(newsledger(*command, config=config, timeout=30))
        assert words in error and "newsledger uses" in error, error


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        (REFUSED, "s3cr3t"),
        ("postgresql://newsledger@127.0.0.1:1/test?password=s3cr3t&connect_timeout=2", "s3cr3t"),
        ("postgresql://newsledger:s3cr3t@127.0.0.1:54x32/test", "s3cr3t"),  # a mistyped port
        # Not URLs, but what a person writes for one: libpq's key/value form, a slash
        # short, no scheme at all.
        ("host=127.0.0.1 user=newsledger password=s3cr3t dbname=test", "s3cr3t"),
        ("postgresql:/newsledger:s3cr3t@127.0.0.1/test", "s3cr3t"),
        ("newsledger:s3cr3t@127.0.0.1:5432/test", "s3cr3t"),
        # A raw "@" in the password: the URL ended it there, and "cr3t@127.0.0.1" became
        # the host, printed in every error.
        ("postgresql://newsledger:s3@cr3t@127.0.0.1:1/test", "cr3t"),
    ],
)
def test_the_password_is_never_printed_wherever_the_url_holds_it(
    url: str, secret: str, tmp_path: Path
) -> None:
    config = tmp_path / "newsledger.toml"
    config.write_text("", encoding="utf-8")
    for command in (["check"], ["status"]):
        ran = newsledger(*command, config=config, timeout=60, DATABASE_URL=url)
        assert secret not in ran.out + ran.err, ran
        assert "127.0.0.1" in ran.out + ran.err, ran  # the URL is still shown, masked


def test_run_once_with_the_database_down_exits_1_at_once(tmp_path: Path) -> None:
    """docs/worker.md: `--once` exits 1 when the database is unusable; it retried with
    back-off for ever, so a cron job piled up behind a database that was down."""
    config = tmp_path / "newsledger.toml"
    config.write_text("", encoding="utf-8")
    error = _one_line(newsledger("run", "--once", config=config, timeout=30, DATABASE_URL=REFUSED))
    assert error.startswith("Error: cannot connect to postgresql+psycopg://newsledger:***@"), error


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_unnamed_in_memory_database_is_refused_at_once(url: str, tmp_path: Path) -> None:
    """`check` said ok; then `fetch` and `run --once` failed "no such table", and `run`
    printed tracebacks for ever: each connection was a new, empty database."""
    config = tmp_path / "newsledger.toml"
    config.write_text(f'[store]\nurl = "{url}"\n', encoding="utf-8")
    for command in (["check"], ["fetch"], ["run", "--once"]):
        error = _one_line(newsledger(*command, config=config, timeout=30))
        assert "in-memory SQLite database without a name" in error, error
        assert "sqlite:///newsledger.db" in error


def test_a_database_in_a_folder_that_cannot_be_written_is_named_as_such(tmp_path: Path) -> None:
    """Every command, `verify` too, said "unable to open database file" of a file that was
    there: SQLite could not create its -wal and -shm files beside it."""
    import shutil
    import subprocess

    from tests.conftest import require_tool

    chattr = require_tool("chattr", "e2fsprogs")
    folder = tmp_path / "data"
    folder.mkdir()
    config = tmp_path / "newsledger.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{folder}/n.db"\n', encoding="utf-8")
    assert newsledger("verify", config=config, timeout=30).code == 0  # creates it
    for leftover in folder.glob("n.db-*"):
        leftover.unlink()
    if subprocess.run([chattr, "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("this file system has no immutable flag (chattr +i)")
    try:
        for command in (["verify"], ["status"], ["run", "--once"]):
            error = _one_line(newsledger(*command, config=config, timeout=30))
            assert f"the folder {folder} cannot be written" in error, error
    finally:
        subprocess.run([chattr, "-i", str(folder)], check=True)
        shutil.rmtree(folder)
