"""cluster profiles keep Palette's variables (definitions, and sensitive values encrypted)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 14:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("cluster_profiles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("variables", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("variables_enc", sa.Text(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("cluster_profiles", schema=None) as batch_op:
        batch_op.drop_column("variables_enc")
        batch_op.drop_column("variables")
