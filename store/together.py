"""Projections at one checkpoint caught up from one read of each batch of the log.

The worker's projection process follows the log with every view (the topics and the
stories views share one checkpoint when they keep up). Read one at a time, each view
decoded every event again, and the second view's `prepare` computed again what the first
had just computed of the same text (the meetings, which the extractor keeps for the last
texts it read): a catch-up of 100,000 articles long enough to prepare in a worker process
took 61.4 s of CPU where one read for both views took 50.4 s (docs/worker.md). `Together`
prepares each batch for all of them at once, in a worker process as in the applying one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from store.events import RecordedEvent
from store.projection import Projection


@dataclass(frozen=True, slots=True)
class Together:
    """Projections whose batches are read together: each gets the events of its own types
    from every batch of their union, in log order."""

    projections: tuple[Projection, ...]

    @property
    def types(self) -> frozenset[str] | None:
        """The event types any of them handles; None if one handles every type."""
        found: set[str] = set()
        for projection in self.projections:
            if projection.types is None:
                return None
            found |= projection.types
        return frozenset(found)

    def split(self, events: Sequence[RecordedEvent]) -> list[Sequence[RecordedEvent]]:
        """Each projection's own events of a batch, in the order of `projections`."""
        return [
            events if p.types is None else [e for e in events if e.type in p.types]
            for p in self.projections
        ]

    def prepare(self, events: Sequence[RecordedEvent]) -> list[tuple[int, Any]]:
        """For each projection, in order: how many of the batch's events are its own and
        its `prepare` of them (None when it has none). In order, so that what one
        projection's `prepare` computes of a text (a memo of the last ones) is at hand
        for the next. A `prepare` that raises fails the whole batch: the applying
        process then prepares and applies it itself, projection by projection."""
        return [
            (len(own), projection.prepare(own) if own else None)
            for projection, own in zip(self.projections, self.split(events), strict=True)
        ]
