"""What declaring an event type gives: its name and version bound to its data's shape, so
writers build events and readers read them through one declaration; and the stream ids of
one kind of stream, built and parsed by one rule."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from store import NewEvent, RecordedEvent

Data = TypeVar("Data", bound=Mapping[str, Any])


# Not slots=True: `EventType[X](...)` sets `__orig_class__` on the instance, which a frozen
# slotted dataclass refuses with a TypeError instead of the AttributeError typing expects.
@dataclass(frozen=True)
class EventType(Generic[Data]):
    """One event type at its current schema version; `Data` is its TypedDict."""

    name: str
    version: int

    def new(self, data: Data, *, metadata: dict[str, Any], keys: tuple[str, ...] = ()) -> NewEvent:
        """An event of this type to append (the data dict is stored as given, not copied)."""
        return NewEvent(
            self.name,
            cast(dict[str, Any], data),
            metadata=metadata,
            schema_version=self.version,
            keys=keys,
        )

    def data(self, event: RecordedEvent) -> Data:
        """The data of a stored event of this type (upcast on read to this version)."""
        if event.type != self.name:
            raise ValueError(f"event at position {event.position} is {event.type}, not {self.name}")
        return cast(Data, event.data)


@dataclass(frozen=True, slots=True)
class StreamIds:
    """The stream ids of one kind of stream: `<prefix><id>`."""

    kind: str
    prefix: str

    def stream(self, ident: str) -> str:
        return self.prefix + ident

    def ident(self, stream_id: str) -> str:
        """The id inside a stream id of this kind."""
        if not stream_id.startswith(self.prefix):
            raise ValueError(f"{stream_id!r} is not {self.kind} stream")
        return stream_id.removeprefix(self.prefix)
