"""a staging table: a Helm index sync writes its rows there as it parses

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from chartyard.store.models import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "index_staging",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_uid", sa.String(length=32), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("tenant_uid", sa.String(length=32), nullable=False),
        sa.Column("registry_uid", sa.String(length=32), nullable=False),
        sa.Column("repository", sa.String(length=512), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("tag", sa.String(length=128), nullable=False),
        sa.Column("version", sa.String(length=128), nullable=False),
        sa.Column("digest", sa.String(length=100), nullable=False),
        sa.Column("config_digest", sa.String(length=100), nullable=False),
        sa.Column("chart_digest", sa.String(length=100), nullable=True),
        sa.Column("app_version", sa.String(length=128), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("keywords", sa.Text(), nullable=False),
        sa.Column("chart_metadata", sa.JSON(), nullable=False),
        sa.Column("indexed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["registry_uid"], ["registries.uid"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_uid"], ["tenants.uid"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_index_staging_run_uid", "index_staging", ["run_uid"])
    op.create_index("ix_index_staging_registry_uid", "index_staging", ["registry_uid"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_index_staging_registry_uid", table_name="index_staging")
    op.drop_index("ix_index_staging_run_uid", table_name="index_staging")
    op.drop_table("index_staging")
