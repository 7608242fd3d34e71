"""View fingerprints: what each projection's view was built from besides the log (its
rules, thresholds, the code deriving it), so that a view built otherwise is rebuilt, not
extended with rows of other rules (store/fingerprints.py).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL for every view built before: unknown, so rebuilt by the first worker to see it.
    op.add_column("projection_checkpoints", sa.Column("fingerprint", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("projection_checkpoints") as batch:
        batch.drop_column("fingerprint")
