"""The console script before the command line has loaded: `--version` at once, and a Ctrl-C
during the imports (about two seconds) one line, not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
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
    # The Ctrl-C arrives as the import of the command line begins (an import hook sends it),
    # not after a guessed delay that a loaded machine could make too short or too long.
    interrupted = (
        "import os, signal, sys\n"
        "class Hook:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'newsledger.cli':\n"
        "            os.kill(os.getpid(), signal.SIGINT)\n"
        "        return None\n"
        "sys.meta_path.insert(0, Hook())\n"
        f"{ENTRY}\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", interrupted, "events", "--follow"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr == "\nAborted!\n"  # as click says it: no traceback
