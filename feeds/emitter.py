"""Which documents a publish writes: each whose stamp (the view positions its content
depends on) differs from the one the last publish recorded, or that is told to."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from feeds.files import write_if_changed


class Emitter:
    """Writes each document whose stamp differs from the last publish's; keeps the stamps."""

    def __init__(self, out: Path, known: dict[str, str]) -> None:
        self.out = out
        self.known = known
        self.stamps: dict[str, str] = {}
        self.written: list[str] = []
        self.unchanged: list[str] = []
        self.rendered = 0

    def emit(
        self, rel: str, stamp: str, render: Callable[[], bytes], *, force: bool = False
    ) -> None:
        self.stamps[rel] = stamp
        if not force and self.known.get(rel) == stamp and (self.out / rel).exists():
            self.unchanged.append(rel)
            return
        self.rendered += 1
        changed = write_if_changed(self.out / rel, render())
        (self.written if changed else self.unchanged).append(rel)

    def keep(self, rel: str, stamp: str) -> None:
        """Not rendered now: keep a stamp only if it still describes the file, so that the
        next full publish renders exactly the others."""
        if self.known.get(rel) == stamp:
            self.stamps[rel] = stamp
