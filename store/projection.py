"""What a projection is: a named read model with its tables per generation, applied batch
by batch (with an optional pure part a replay may run ahead, store/ahead.py); and what
the runner (store/projections.py) reports about it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from sqlalchemy import Connection, Index, MetaData, Table
from sqlalchemy.schema import SchemaItem

from store.events import RecordedEvent


class EventsAt(Protocol):
    """The log's events at some positions, upcast, by position (`EventStore.events_at`),
    read on `conn`: the projection's own connection (its plan's read connection, or the
    transaction that applies a batch)."""

    def __call__(
        self, positions: Iterable[int], *, conn: Connection | None = None
    ) -> dict[int, RecordedEvent]: ...


def view_table(base: str, generation: int, *items: SchemaItem) -> Table:
    """A view table of one generation; `Column(..., index=True)` names stay unique."""
    return Table(f"{base}_g{generation}", MetaData(), *items)


class Projection(ABC):
    """A read model derived from the log.

    Subclasses set `name` and `types` (the event types they handle; None for all),
    define their tables per generation and apply batches of events to them. `apply`
    runs inside the transaction that also moves the checkpoint.
    """

    name: ClassVar[str]
    types: ClassVar[frozenset[str] | None] = None

    @abstractmethod
    def tables(self, generation: int) -> dict[str, Table]:
        """This projection's tables for `generation`, by base name."""

    @abstractmethod
    def apply(
        self, conn: Connection, tables: Mapping[str, Table], events: Sequence[RecordedEvent]
    ) -> None:
        """Apply `events` (in log order) to `tables`."""

    def bind(self, events_at: EventsAt) -> None:
        """Called by the runner that applies this projection, with its log's reader of
        earlier events: a projection that needs an earlier event's document reads it from
        the log rather than keeping a copy in its view. Ignored by default. A projection
        that keeps it leaves it out of what it pickles (`prepare` runs in other processes)."""
        return

    def prepare(self, events: Sequence[RecordedEvent]) -> Any:
        """The part of applying a batch that needs neither the view nor other batches
        (decoding, parsing, classifying), and whatever else `apply_prepared` needs of the
        events. A long replay or catch-up runs it in worker processes, each reading its
        batches from the log itself (store/ahead.py); the applying process gets only the
        result, never the events. So the result must pickle, be worth less to pickle than
        the events, and never be None. The default, None, means no such part."""
        return None

    def apply_prepared(self, conn: Connection, tables: Mapping[str, Table], prepared: Any) -> None:
        """Apply a batch given only `prepare(events)`, or `plan`'s result for it: exactly
        what `apply(events)` does."""
        raise NotImplementedError(f"{type(self).__name__} has no prepare")

    def plan(self, conn: Connection, tables: Mapping[str, Table], prepared: Any) -> Any:
        """The part of `apply_prepared` that only reads the view (on `conn`), run by the
        runner before the write transaction, which `apply_prepared` then gets the result
        of: on SQLite that transaction holds the one write lock, the log's too, so what
        is decided here does not hold a poll's appends back. It may move state kept in
        memory ahead of the tables; `forget` is called when its result is not applied.
        The default decides nothing here."""
        return prepared

    def forget(self) -> None:
        """Drop state kept in memory: a `plan` was not applied (another runner moved the
        checkpoint first, or the write failed). Nothing to drop by default."""
        return

    def fingerprint(self) -> str:
        """Everything but the log that this view's rows depend on (its rules, thresholds,
        the code deriving them), as text; empty when the log alone decides them. A view
        built with another fingerprint is rebuilt before it is extended
        (store/fingerprints.py): otherwise it would hold rows of two sets of rules."""
        return ""

    def deferred_indexes(self, tables: Mapping[str, Table]) -> list[Index]:
        """Indexes of `tables` that a replay creates only once the new generation is loaded
        (before it is switched in): none that `apply` reads through, and no unique one, so
        that the rows and the faults are those of a replay with every index in place.
        Maintaining an index row by row costs more than building it once from the rows."""
        return []

    def compare(
        self, conn: Connection, old: Mapping[str, Table], new: Mapping[str, Table]
    ) -> dict[str, Any]:
        """After a replay and before the old generation is dropped: what changed (optional)."""
        return {}


@dataclass(frozen=True, slots=True)
class ReplayResult:
    name: str
    events: int
    seconds: float
    generation: int
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    name: str
    position: int
    generation: int
    fingerprint: str | None = None  # the digest its view was built with (store/fingerprints.py)
