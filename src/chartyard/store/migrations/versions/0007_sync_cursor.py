"""sync states keep a kind's cursor (a Helm index's ETag, Last-Modified and digest)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("sync_states", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cursor", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("sync_states", schema=None) as batch_op:
        batch_op.drop_column("cursor")
