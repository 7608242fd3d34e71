"""The database itself, not the API, refuses to change or delete stored events."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from store import EventStore, NewEvent


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET data = '{}' WHERE position = 1",
        "DELETE FROM events WHERE position = 1",
        "UPDATE event_keys SET position = 9",
        "DELETE FROM event_keys",
    ],
)
def test_raw_sql_cannot_change_or_delete_events(store: EventStore, statement: str) -> None:
    store.append("a", [NewEvent("X", {"n": 1}, keys=("k",))])
    with pytest.raises(DatabaseError, match="immutable"), store.engine.begin() as conn:
        conn.execute(text(statement))
    assert store.get(1) is not None
    assert store.get(1).data == {"n": 1}  # type: ignore[union-attr]
    assert store.claimed(["k"]) == {"k": 1}


def test_truncate_is_refused_on_postgresql(pg_url: str) -> None:
    store = EventStore.open(pg_url)
    store.append("a", [NewEvent("X", {})])
    with pytest.raises(DatabaseError, match="immutable"), store.engine.begin() as conn:
        conn.execute(text("TRUNCATE events"))
    assert store.head() == 1
    store.close()
