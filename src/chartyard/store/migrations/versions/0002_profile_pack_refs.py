"""profile packs record where their chart was found

Revision ID: 0002_profile_pack_refs
Revises: 0001
Create Date: 2026-11-28 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table('profile_packs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('repository', sa.String(length=512), nullable=True))
        batch_op.add_column(sa.Column('oci_tag', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('chart_version', sa.String(length=128), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('profile_packs', schema=None) as batch_op:
        batch_op.drop_column('chart_version')
        batch_op.drop_column('oci_tag')
        batch_op.drop_column('repository')
