"""PostgreSQL: the JSON columns compressed with lz4 where the server has it.

A ~5 KB document is compressed on insert (TOAST). With the default pglz, a bare table
took 3,969 rows/s against 10,747 with lz4 (README, store benchmark), and lz4 also
decompresses faster on replay. Only new rows are written with lz4; older rows keep pglz
and read back alike. SQLite, and servers built without lz4, are left as they are.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_COLUMNS = ("data", "metadata")


def upgrade() -> None:
    if _has_lz4():
        for column in _COLUMNS:
            op.execute(f'ALTER TABLE events ALTER COLUMN "{column}" SET COMPRESSION lz4')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for column in _COLUMNS:
            op.execute(f'ALTER TABLE events ALTER COLUMN "{column}" SET COMPRESSION default')


def _has_lz4() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    found = bind.execute(
        sa.text(
            "SELECT count(*) FROM pg_settings WHERE name = 'default_toast_compression'"
            " AND 'lz4' = ANY(enumvals)"
        )
    ).scalar()
    return bool(found)
