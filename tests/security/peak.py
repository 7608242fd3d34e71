"""Run the `newsledger` command and write this process's peak RSS (MB) to $NL_PEAK_FILE:
how the memory tests and benchmarks/hostile_bench.py measure one real process."""

from __future__ import annotations

import atexit
import os
import resource
import sys
from pathlib import Path


def _write_peak() -> None:
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    Path(os.environ["NL_PEAK_FILE"]).write_text(f"{peak_mb:.1f}\n")


if __name__ == "__main__":
    atexit.register(_write_peak)
    from newsledger.cli import main

    main(sys.argv[1:])
