"""Notes: mutable documents beside the log, on SQLite and PostgreSQL: replaced in place by
name, read back by prefix, and never part of the log (its head, export and chain)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from store import EventStore, NewEvent, export_lines

NOW = datetime(2024, 10, 24, 8, 0, tzinfo=UTC)


def test_a_note_is_replaced_by_name_and_read_back_by_prefix(store_url: str) -> None:
    store = EventStore.open(store_url)
    store.write_notes({"poll:a": {"url": "http://a/", "n": 1}, "poll:b": {"n": 2}}, NOW)
    store.write_notes({"poll:a": {"url": "http://a/", "n": 3}, "other:x": {"k": "Lào"}}, NOW)
    assert store.notes(prefix="poll:") == {
        "poll:a": {"url": "http://a/", "n": 3},
        "poll:b": {"n": 2},
    }
    assert store.notes()["other:x"] == {"k": "Lào"}
    # A prefix is matched literally, not as a LIKE pattern.
    assert store.notes(prefix="poll%") == {}
    store.close()


def test_notes_are_not_facts_the_log_and_its_export_do_not_change(store_url: str) -> None:
    store = EventStore.open(store_url)
    store.append("s", [NewEvent("Happened", {"n": 1})])
    before = list(export_lines(store))
    store.write_notes({"poll:a": {"n": 1}}, NOW)
    assert store.head() == 1
    assert list(export_lines(store)) == before
    assert store.verify().ok
    store.close()


def test_a_note_edited_into_something_else_than_an_object_is_left_out(store_url: str) -> None:
    store = EventStore.open(store_url)
    store.write_notes({"poll:a": {"n": 1}, "poll:b": {"n": 2}}, NOW)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE notes SET value = '[1' WHERE name = 'poll:a'"))
        conn.execute(text("UPDATE notes SET value = '7' WHERE name = 'poll:b'"))
    assert store.notes(prefix="poll:") == {}
    store.close()
