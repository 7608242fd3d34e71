"""Upcasters turn events stored under an old schema version into the current shape on read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class Upcasters:
    """A registry of one-step upcasters: `(type, from_version) -> data of from_version + 1`."""

    def __init__(self) -> None:
        self._steps: dict[tuple[str, int], Upcaster] = {}

    def register(self, event_type: str, from_version: int, step: Upcaster) -> None:
        if (event_type, from_version) in self._steps:
            raise ValueError(f"an upcaster for {event_type} v{from_version} is already registered")
        self._steps[(event_type, from_version)] = step

    def __bool__(self) -> bool:
        """Whether any step is registered (replay skips `upcast` per event when none is)."""
        return bool(self._steps)

    def current_version(self, event_type: str, stored_version: int = 1) -> int:
        version = stored_version
        while (event_type, version) in self._steps:
            version += 1
        return version

    def upcast(
        self, event_type: str, version: int, data: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        """Apply every registered step from `version` on; returns the new version and data."""
        while (step := self._steps.get((event_type, version))) is not None:
            data = step(data)
            version += 1
        return version, data
