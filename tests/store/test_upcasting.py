"""Events stored under an old schema version are read in the current shape."""

from __future__ import annotations

from typing import Any

from store import EventStore, NewEvent, Upcasters


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    # v1 had one "name"; v2 splits it and adds a language defaulting to Vietnamese.
    return {"title": data["name"], "language": "vi"}


def test_a_v1_event_is_read_back_as_v2(store_url: str) -> None:
    writer = EventStore.open(store_url)
    writer.append("a", [NewEvent("Titled", {"name": "Hội đàm"}, schema_version=1)])
    writer.close()

    upcasters = Upcasters()
    upcasters.register("Titled", 1, _v1_to_v2)
    reader = EventStore.open(store_url, upcasters=upcasters)
    [stored] = list(reader.read_all())
    assert stored.schema_version == 2
    assert stored.data == {"title": "Hội đàm", "language": "vi"}
    assert reader.read_stream("a")[0].data == stored.data
    assert upcasters.current_version("Titled") == 2
    reader.close()


def test_a_current_event_is_not_upcast(store: EventStore) -> None:
    store.upcasters.register("Titled", 1, _v1_to_v2)
    store.append("a", [NewEvent("Titled", {"title": "x", "language": "en"}, schema_version=2)])
    assert store.get(1).data == {"title": "x", "language": "en"}  # type: ignore[union-attr]
