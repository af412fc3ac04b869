"""profile packs: the chart archive's digest, the key of its cached files

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 19:30:00

Packs saved before this revision have none; export finds their chart files through
the catalog row of their manifest digest instead.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("profile_packs") as batch:
        batch.add_column(sa.Column("chart_digest", sa.String(100), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("profile_packs") as batch:
        batch.drop_column("chart_digest")
