"""Palette state: published profiles, pack layers, API key expiry and active flag.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from chartyard.store.models import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the columns; profiles stored before this revision count as published."""
    with op.batch_alter_table("cluster_profiles") as batch:
        batch.add_column(sa.Column("published", sa.Boolean(), nullable=False,
                                   server_default=sa.true()))
    with op.batch_alter_table("profile_packs") as batch:
        batch.add_column(sa.Column("layer", sa.String(length=16), nullable=True))
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("active", sa.Boolean(), nullable=False,
                                   server_default=sa.true()))
        batch.add_column(sa.Column("expires_at", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Drop the columns."""
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("expires_at")
        batch.drop_column("active")
    with op.batch_alter_table("profile_packs") as batch:
        batch.drop_column("layer")
    with op.batch_alter_table("cluster_profiles") as batch:
        batch.drop_column("published")
