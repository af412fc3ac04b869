"""chart contents: the subchart tree read from the chart archive (NULL: not read yet)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("chart_contents") as batch:
        batch.add_column(sa.Column("subcharts", sa.Text(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("chart_contents") as batch:
        batch.drop_column("subcharts")
