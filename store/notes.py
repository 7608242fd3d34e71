"""Notes: what a process wants to remember across restarts that is not a fact.

The log holds facts; some state that drives a process is not one and would only bloat the
log if appended on every change (a poll that brought nothing new, the validators a server
sent with it). A note is one JSON object under a name, replaced in place by the next write
of that name. Notes are never exported, imported or replayed, and the store gives their
names no meaning (ingest keeps one per source).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from store.events import format_time
from store.schema import notes
from store.sql import reading, write_transaction


def write_notes(engine: Engine, values: Mapping[str, Mapping[str, Any]], now: datetime) -> None:
    """Replace (or create) the note of each name in `values`, in one transaction."""
    if not values:
        return
    stamp = format_time(now)
    rows = [
        {"name": name, "value": json.dumps(value, ensure_ascii=False), "updated_at": stamp}
        for name, value in sorted(values.items())
    ]
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(notes)
    upsert = statement.on_conflict_do_update(
        index_elements=[notes.c.name],
        set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at},
    )
    with write_transaction(engine, append_lock=False) as conn:
        conn.execute(upsert, rows)


def read_notes(engine: Engine, *, prefix: str = "") -> dict[str, dict[str, Any]]:
    """Every note whose name starts with `prefix`; a note that is not a JSON object (edited
    by hand) is left out rather than trusted."""
    query = select(notes.c.name, notes.c.value)
    if prefix:
        query = query.where(notes.c.name.startswith(prefix, autoescape=True))
    found: dict[str, dict[str, Any]] = {}
    with reading(engine) as conn:
        for name, text in conn.execute(query):
            try:
                value = json.loads(text)
            except ValueError:
                continue
            if isinstance(value, dict):
                found[name] = value
    return found
