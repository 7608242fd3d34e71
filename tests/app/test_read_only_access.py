"""A store that may be read but not written (a monitoring role with SELECT grants only, a
standby): the commands that show the views show them as they stand, with a warning of how
far behind they are, and a projection that may not write records no event as a fault."""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, event, make_url, text

from feeds import build_projections
from feeds.config import parse_config as feeds_config
from newsledger.cli import cli
from store import EventStore, ProjectionRunner, StoreReadOnlyError, catch_up_or_stale
from tests.conftest import pg_schema

FOLDER = Path(__file__).resolve().parent.parent / "fixtures" / "ingest" / "folder"

CONFIG = """
[store]
url = "{url}"

[[sources]]
id = "fixtures"
kind = "folder"
path = "articles"

[feeds]
base_url = "http://feeds.test"
"""

EXTRA = "Bộ trưởng hai nước gặp nhau\n\nHai bộ trưởng trao đổi về hợp tác giáo dục và y tế.\n"


ENTRY = "import sys; from newsledger.entry import main; main()"


def _cli(config: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli, ["--config", str(config), *args], env={"DATABASE_URL": "", "NEWSLEDGER_CONFIG": ""}
    )
    return result.exit_code, result.stdout, result.stderr


@contextmanager
def _role(url: str, *, grants: list[str], settings: str = "") -> Iterator[str]:
    """A login role on the schema of `url` with `grants` only; the same URL as that role."""
    schema = url.rsplit("search_path%3D", 1)[1]
    role = f"nl_reader_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN"))
        if settings:
            conn.execute(text(f"ALTER ROLE {role} {settings}"))
        conn.execute(text(f'GRANT USAGE ON SCHEMA "{schema}" TO {role}'))
        for grant in grants:
            conn.execute(text(grant.format(role=role, schema=f'"{schema}"')))
    try:
        yield make_url(url).set(username=role).render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'REVOKE ALL ON ALL TABLES IN SCHEMA "{schema}" FROM {role}'))
            conn.execute(text(f'REVOKE ALL ON SCHEMA "{schema}" FROM {role}'))
            conn.execute(text(f"DROP ROLE {role}"))
        admin.dispose()


def _store_behind(tmp_path: Path, url: str) -> Path:
    """A store whose views were built, then one more article polled: views 2 events behind."""
    shutil.copytree(FOLDER, tmp_path / "articles")
    config = tmp_path / "writer.toml"
    config.write_text(CONFIG.format(url=url), encoding="utf-8")
    assert _cli(config, "fetch")[0] == 0
    assert _cli(config, "publish")[0] == 0
    (tmp_path / "articles" / "zz-extra.txt").write_text(EXTRA, encoding="utf-8")
    assert _cli(config, "fetch")[0] == 0
    return config


@pytest.mark.postgres
@pytest.mark.parametrize(
    "settings", ["", "SET default_transaction_read_only = on"], ids=["select-only", "standby"]
)
def test_commands_that_show_the_views_show_them_as_they_stand_without_write_access(
    tmp_path: Path, settings: str, caplog: pytest.LogCaptureFixture
) -> None:
    with pg_schema() as url:
        _store_behind(tmp_path, url)
        select_only = ["GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}"]
        if settings:  # every grant, but every transaction read-only (as on a standby)
            select_only = ["GRANT ALL ON ALL TABLES IN SCHEMA {schema} TO {role}"]
        with _role(url, grants=select_only, settings=settings) as reader_url:
            config = tmp_path / "reader.toml"
            config.write_text(CONFIG.format(url=reader_url), encoding="utf-8")
            for command in ("status", "sources", "articles", "stories", "figures"):
                caplog.clear()
                code, out, err = _cli(config, command)
                assert code == 0, (command, out, err)
                assert "refuses writes" in caplog.text, command
                assert "the views are shown as they stand, 2 events behind the log" in caplog.text
            code, out, _ = _cli(config, "articles")
            assert "Hai bộ trưởng trao đổi" not in out and out.count("\n") >= 2
            code, _, err = _cli(config, "publish")
            assert code == 1 and "refuses writes" in err
            # A person running the command sees the warning on stderr, the listing on stdout.
            ran = subprocess.run(
                [sys.executable, "-c", ENTRY, "--config", str(config), "articles"],
                capture_output=True,
                text=True,
                env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
                check=True,
            )
            assert "2 events behind the log" in ran.stderr
            assert "refuses" not in ran.stdout and ran.stdout.count("\n") >= 2


@pytest.mark.postgres
def test_a_view_that_may_not_be_written_records_no_event_as_a_fault(tmp_path: Path) -> None:
    """A role that may write the checkpoints and the faults but not one view's table: every
    event was recorded as a fault and skipped, and the view stayed empty for good."""
    with pg_schema() as url:
        _store_behind(tmp_path, url)
        projections = build_projections(feeds_config({}, file="t", base_dir=tmp_path))
        writer = EventStore.open(url)
        try:
            runner = ProjectionRunner(writer, projections)
            generation = runner.checkpoint("stories").generation
            members = runner.tables("stories")["story_members"].name
            before = runner.checkpoint("stories").position
        finally:
            writer.close()
        grants = [
            "GRANT ALL ON ALL TABLES IN SCHEMA {schema} TO {role}",
            f"REVOKE INSERT ON {{schema}}.{members} FROM {{role}}",
        ]
        with _role(url, grants=grants) as limited_url:
            limited = EventStore.open(limited_url)
            try:
                runner = ProjectionRunner(limited, projections)
                with pytest.raises(StoreReadOnlyError, match="permission denied"):
                    runner.catch_up("stories")
                assert runner.checkpoint("stories").position == before == limited.head() - 2
                assert runner.faults("stories") == []
                assert runner.checkpoint("stories").generation == generation
            finally:
                limited.close()


def test_sqlite_refusing_writes_is_read_only_not_a_fault(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """SQLite's SQLITE_READONLY (a file it may not write; here `query_only`, which answers
    with the same error: the tests run as root, whom file modes do not stop) is the
    read-only error too, so `catch_up_or_stale` shows its views."""
    url = f"sqlite:///{tmp_path}/store.db"
    _store_behind(tmp_path, url)
    store = EventStore.open(url)
    try:
        event.listen(
            store.engine, "connect", lambda dbapi, _: dbapi.execute("PRAGMA query_only = ON")
        )
        store.engine.dispose()
        runner = ProjectionRunner(
            store, build_projections(feeds_config({}, file="t", base_dir=tmp_path))
        )
        with pytest.raises(StoreReadOnlyError, match="readonly database"):
            runner.catch_up("topics")
        assert runner.faults("topics") == []
        assert catch_up_or_stale(runner, "topics") == {}
        assert "2 events behind the log" in caplog.text
    finally:
        store.close()
