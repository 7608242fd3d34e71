"""The console script before the command line has loaded: `--version` at once, and a Ctrl-C
during the imports (about two seconds) one line, not a traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from newsledger import __version__
from newsledger.cli import cli

ENTRY = "import sys; from newsledger.entry import main; main()"
REPO = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "NEWSLEDGER_CONFIG": "/dev/null",
        "DATABASE_URL": f"sqlite:///{tmp_path}/entry.db",
    }


def test_version_is_answered_without_loading_the_command_line(tmp_path: Path) -> None:
    probe = f"{ENTRY}; print('newsledger.cli' in sys.modules, 'sqlalchemy' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe, "--version"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"newsledger, version {__version__}", "False False"]
    # Word for word what click's own option says once everything is loaded.
    assert CliRunner().invoke(cli, ["--version"]).output == done.stdout.splitlines()[0] + "\n"


def test_ctrl_c_while_the_command_line_loads_is_one_line(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", ENTRY, "events", "--follow"],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(0.15)  # the interpreter is up; the imports take far longer than this
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    assert err.strip() == "Aborted!"
