"""Run the `newsledger` command and write to $NL_PEAK_FILE, as JSON, this process's peak
RSS and how far its RSS rose above where it stood while it polled its sources: how the
memory tests and benchmarks/hostile_bench.py measure one real process.

The rise is the figure a user sees for ingesting a feed: the kernel's high-water mark
(VmHWM, reset through /proc/self/clear_refs when the round starts) minus the resident
set just before it, so imports, migrations and start-up are not counted.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

_MEASURED: dict[str, float] = {}


def _status_mb(field: str) -> float:
    status = Path("/proc/self/status").read_text()
    match = re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE)
    assert match is not None, field
    return int(match.group(1)) / 1024


def _measure_polls() -> None:
    from ingest.poller import Poller

    poll_sources = Poller.poll_sources

    @functools.wraps(poll_sources)
    async def measured(self: Poller, *args: Any, **kwargs: Any) -> Any:
        _MEASURED["peak_before_poll_mb"] = _status_mb("VmHWM")
        Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
        before = _status_mb("VmRSS")
        try:
            return await poll_sources(self, *args, **kwargs)
        finally:
            _MEASURED["poll_growth_mb"] = _status_mb("VmHWM") - before
            _MEASURED["rss_before_poll_mb"] = before

    Poller.poll_sources = measured  # type: ignore[method-assign]


def _write_peak() -> None:
    # Not getrusage's ru_maxrss: after a vfork and exec it starts at the *parent's* peak
    # (the kernel carries the old address space's high-water mark over), so it said more
    # about the test process than about this one. Resetting VmHWM resets it too.
    peak_mb = max(_status_mb("VmHWM"), _MEASURED.pop("peak_before_poll_mb", 0.0))
    figures = {"peak_mb": round(peak_mb, 1), **{k: round(v, 1) for k, v in _MEASURED.items()}}
    Path(os.environ["NL_PEAK_FILE"]).write_text(json.dumps(figures) + "\n")


if __name__ == "__main__":
    atexit.register(_write_peak)
    _measure_polls()
    from newsledger.cli import main

    main(sys.argv[1:])
