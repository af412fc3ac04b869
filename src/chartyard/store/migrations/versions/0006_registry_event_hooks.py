"""Add registry_event_hooks: per-registry event secret (hashed) and event counters.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from chartyard.store.models import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the table."""
    op.create_table(
        "registry_event_hooks",
        sa.Column("registry_uid", sa.String(32),
                  sa.ForeignKey("registries.uid", ondelete="CASCADE"), primary_key=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("rotated_at", UTCDateTime(), nullable=False),
        sa.Column("last_event_at", UTCDateTime(), nullable=True),
        sa.Column("last_event", sa.JSON(), nullable=True),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("refreshed", sa.Integer(), nullable=False),
        sa.Column("ignored", sa.Integer(), nullable=False),
        sa.Column("out_of_scope", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    """Drop the table."""
    op.drop_table("registry_event_hooks")
