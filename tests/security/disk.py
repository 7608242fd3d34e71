"""A real full disk for tests: a small tmpfs mounted for the block (root only)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import _missing


@contextmanager
def small_disk(where: Path, *, size: str) -> Iterator[Path]:
    """`where` becomes a tmpfs of `size` bytes (e.g. "4m") until the block ends."""
    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        _missing("a full disk needs a tmpfs mount, which needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=1777", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        _missing(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(disk: Path, *, leave: int) -> Path:
    """A filler file taking all of `disk` but `leave` bytes; delete it to free the space."""
    stat = os.statvfs(disk)
    free = stat.f_bavail * stat.f_frsize
    filler = disk / "filler"
    with filler.open("wb") as handle:
        handle.write(b"\0" * max(0, free - leave))
    return filler
