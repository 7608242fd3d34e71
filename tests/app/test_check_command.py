"""`newsledger check`: the whole configuration read as `run` reads it, before deploying it,
without a database; every section's mistake is one line and exit status 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from newsledger.cli import cli

GOOD = """
[store]
url = "postgresql+psycopg://newsledger:s3cret@db.invalid:5432/news"

[[sources]]
id = "local"
kind = "folder"
path = "articles"

[[sources]]
id = "off"
kind = "feed"
url = "https://news.example.vn/rss"
enabled = false

[serve]
port = 8181
"""


def _check(tmp_path: Path, text: str) -> tuple[int, str, str]:
    (tmp_path / "articles").mkdir(exist_ok=True)
    path = tmp_path / "newsledger.toml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(path), "check"], env={"DATABASE_URL": ""})
    return result.exit_code, result.stdout, result.stderr


def test_a_good_configuration_is_summarised_without_connecting_to_its_database(
    tmp_path: Path,
) -> None:
    # The database host does not resolve: check must not try it, nor print its password.
    code, out, err = _check(tmp_path, GOOD)
    assert code == 0, err
    assert out.splitlines()[0] == f"{tmp_path / 'newsledger.toml'}: ok"
    assert "sources: 1 enabled of 2" in out and "serve: 127.0.0.1:8181" in out
    assert "s3cret" not in out and "db.invalid" in out
    assert "topics: all, bilateral-meetings" in out  # the built-in topics


@pytest.mark.parametrize(
    ("section", "said"),
    [
        ('[serve]\nport = "x"\n', "[serve] port must be an integer"),
        ("[feeds]\nentries_per_feed = -3\n", "[feeds] entries_per_feed"),
        ('[worker]\njitter = "often"\n', "[worker] field 'jitter'"),
        ("[stories]\njaccard = 2\n", "[stories] jaccard must be a number above 0"),
        ("[feed]\nx = 1\n", "unknown table or key 'feed'"),
        ('[[topics]]\nid = "t"\n', "topic 't': needs at least one include rule"),
    ],
)
def test_a_mistake_in_any_section_is_one_line_naming_it(
    tmp_path: Path, section: str, said: str
) -> None:
    code, out, err = _check(tmp_path, GOOD.replace("[serve]\nport = 8181\n", section))
    assert code == 1, out
    assert err.startswith("Error: ") and said in err and len(err.strip().splitlines()) == 1


def test_the_log_settings_run_would_refuse_are_refused(tmp_path: Path) -> None:
    (tmp_path / "articles").mkdir()
    path = tmp_path / "newsledger.toml"
    path.write_text(GOOD, encoding="utf-8")
    for variable, value in (("NEWSLEDGER_LOG_LEVEL", "bogus"), ("NEWSLEDGER_LOG_FORMAT", "xml")):
        env = {"DATABASE_URL": "", variable: value}
        result = CliRunner().invoke(cli, ["--config", str(path), "check"], env=env)
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith(f"Error: {variable} must be one of")
        # `run` and `serve` refuse it in the same words and with the same status.
        for command in (["run", "--once"], ["serve", "--no-publish"]):
            ran = CliRunner().invoke(cli, ["--config", str(path), *command], env=env)
            assert ran.exit_code == 1, ran.output
            assert ran.stderr == result.stderr, ran.output
    fine = {"DATABASE_URL": "", "NEWSLEDGER_LOG_FORMAT": "json", "NEWSLEDGER_LOG_LEVEL": "debug"}
    result = CliRunner().invoke(cli, ["--config", str(path), "check"], env=fine)
    assert result.exit_code == 0 and "  log: json, DEBUG" in result.stdout


def test_a_folder_source_whose_folder_is_missing_is_a_warning_not_an_error(
    tmp_path: Path,
) -> None:
    """A volume may be mounted after the check, so the file is not wrong; but every poll
    of that source would fail, which the operator should see before deploying."""
    code, out, err = _check(tmp_path, GOOD.replace('path = "articles"', 'path = "missing"'))
    assert code == 0, err
    assert (
        f"  warning: source 'local': the folder {tmp_path / 'missing'} does not exist (yet)" in out
    )
    code, out, _ = _check(tmp_path, GOOD)
    assert code == 0 and "warning" not in out
