"""Headless Chromium for the tests: load a URL, return the DOM it built and every console
message it logged (a failed load, a CSP refusal, a script error), or take a screenshot."""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import require_tool

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
#: How Chromium's log (--enable-logging=stderr) reports a page's console message.
CONSOLE = re.compile(r":CONSOLE(?:\(\d+\)|:\d+)\] (.*)$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Loaded:
    dom: str
    console: list[str]


def _run(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    chromium = require_tool("chromium", "chromium")
    with tempfile.TemporaryDirectory(prefix="nl-chromium-") as profile:
        return subprocess.run(
            [chromium, *FLAGS, f"--user-data-dir={profile}", *extra, url],
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )


def load(url: str) -> Loaded:
    """The page's DOM after load (scripts run, styles applied) and its console messages."""
    result = _run(url, "--enable-logging=stderr", "--v=0", "--dump-dom")
    assert result.returncode == 0, result.stderr[-2000:]
    return Loaded(result.stdout, CONSOLE.findall(result.stderr))


def screenshot(url: str, path: Path, *, width: int = 1000, height: int = 1400) -> bytes:
    """A PNG of the page at `width` x `height` CSS pixels."""
    path.parent.mkdir(parents=True, exist_ok=True)
    result = _run(
        url, f"--window-size={width},{height}", "--hide-scrollbars", f"--screenshot={path}"
    )
    assert result.returncode == 0 and path.is_file(), result.stderr[-2000:]
    return path.read_bytes()
