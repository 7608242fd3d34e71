"""Create and upgrade the store's schema with Alembic, on first use or by command."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from store.errors import SchemaTooNewError
from store.sql import reading, schema_lock, write_transaction

_MIGRATION_LOCK = 7_262_001  # advisory lock id: one migrating process per schema at a time


@dataclass(frozen=True, slots=True)
class SchemaState:
    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def migrations_config() -> Config:
    """Alembic's configuration for the store's migrations (the caller sets the connection)."""
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    return config


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(migrations_config())


def _known(revision: str | None) -> bool:
    if revision is None:
        return True
    return any(script.revision == revision for script in _script().walk_revisions())


def schema_state(engine: Engine) -> SchemaState:
    """The database's revision and the code's head revision."""
    with reading(engine) as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    head = _script().get_current_head()
    assert head is not None
    return SchemaState(current=current, head=head)


def upgrade(engine: Engine) -> SchemaState:
    """Migrate to the newest schema; refuse a database migrated by a newer version."""
    state = schema_state(engine)
    _refuse_newer(state)
    if state.up_to_date:
        return state
    with write_transaction(engine, append_lock=False) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"SELECT {schema_lock(_MIGRATION_LOCK)}"))
        # Another process may have migrated while we waited for the lock.
        current = MigrationContext.configure(conn).get_current_revision()
        _refuse_newer(SchemaState(current=current, head=state.head))
        if current != state.head:
            _run_upgrade(conn)
    return schema_state(engine)


def _run_upgrade(conn: Connection) -> None:
    config = migrations_config()
    config.attributes["connection"] = conn
    command.upgrade(config, "head")


def _refuse_newer(state: SchemaState) -> None:
    if not _known(state.current):
        raise SchemaTooNewError(
            f"the database schema is at revision {state.current!r}, which this newsledger "
            f"does not know (its newest is {state.head!r}); upgrade newsledger"
        )
