"""Add mirror_runs and mirror_blobs: copies of a profile into another registry, resumable.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from chartyard.store.models import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the tables."""
    op.create_table(
        "mirror_runs",
        sa.Column("uid", sa.String(32), primary_key=True),
        sa.Column("tenant_uid", sa.String(32),
                  sa.ForeignKey("tenants.uid", ondelete="CASCADE"), nullable=False),
        sa.Column("profile_uid", sa.String(32),
                  sa.ForeignKey("cluster_profiles.uid", ondelete="CASCADE"), nullable=False),
        sa.Column("target_registry_uid", sa.String(32),
                  sa.ForeignKey("registries.uid", ondelete="CASCADE"), nullable=False),
        sa.Column("base_path", sa.String(512), nullable=False),
        sa.Column("include_images", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("charts", sa.JSON(), nullable=False),
        sa.Column("images", sa.JSON(), nullable=False),
        sa.Column("charts_total", sa.Integer(), nullable=False),
        sa.Column("charts_done", sa.Integer(), nullable=False),
        sa.Column("blobs_copied", sa.Integer(), nullable=False),
        sa.Column("blobs_skipped", sa.Integer(), nullable=False),
        sa.Column("bytes_copied", sa.BigInteger(), nullable=False),
        sa.Column("bytes_total", sa.BigInteger(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_expires_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_mirror_runs_claim", "mirror_runs", ["status", "lease_expires_at"])
    op.create_index("ix_mirror_runs_profile_uid", "mirror_runs", ["profile_uid"])
    op.create_index("ix_mirror_runs_target_registry_uid", "mirror_runs",
                    ["target_registry_uid"])
    op.create_table(
        "mirror_blobs",
        sa.Column("mirror_uid", sa.String(32),
                  sa.ForeignKey("mirror_runs.uid", ondelete="CASCADE"), primary_key=True),
        sa.Column("repository", sa.String(512), primary_key=True),
        sa.Column("digest", sa.String(100), primary_key=True),
        sa.Column("copied", sa.Boolean(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    """Drop the tables."""
    op.drop_table("mirror_blobs")
    op.drop_index("ix_mirror_runs_target_registry_uid", table_name="mirror_runs")
    op.drop_index("ix_mirror_runs_profile_uid", table_name="mirror_runs")
    op.drop_index("ix_mirror_runs_claim", table_name="mirror_runs")
    op.drop_table("mirror_runs")
