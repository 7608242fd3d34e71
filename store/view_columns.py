"""Whether a projection's stored view tables are the ones its code defines: a view made by
another version of the projection is refused before anything is written to it."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from store.errors import StoreError
from store.projection import Projection
from store.sql import reading


def check_columns(engine: Engine, projection: Projection, generation: int) -> None:
    """Refuse to write to view tables made by another version of `projection` that its
    rows cannot go into (a column it defines is missing, or one it does not define must
    be filled): each batch would fail and its events be skipped as faults. A replay builds
    the tables anew."""
    with reading(engine) as conn:
        found = inspect(conn)
        for table in projection.tables(generation).values():
            if not found.has_table(table.name):
                # Registration and replay create every table of a generation: one missing
                # was added by another version of the projection.
                raise StoreError(_another_version(projection.name, table.name, "its table"))
            stored = {c["name"]: c for c in found.get_columns(table.name)}
            defined = {c.name for c in table.columns}
            differ = (defined - set(stored)) | {
                name
                for name, c in stored.items()
                if name not in defined and not c["nullable"] and c.get("default") is None
            }
            if differ:
                columns = f"columns {', '.join(sorted(differ))}"
                raise StoreError(_another_version(projection.name, table.name, columns))


def _another_version(name: str, table: str, what: str) -> str:
    return (
        f"projection {name!r}: table {table} was made by another version ({what} differ);"
        f" run `newsledger replay --projection {name}` to rebuild it"
    )
