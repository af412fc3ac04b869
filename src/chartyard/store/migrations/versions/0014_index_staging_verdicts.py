"""staged verdicts: a Helm index sync writes each batch's signature verdicts to the database

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from chartyard.store.models import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "index_staging_verdicts",
        sa.Column("chart_version_uid", sa.String(length=32), nullable=False),
        sa.Column("run_uid", sa.String(length=32), nullable=False),
        sa.Column("registry_uid", sa.String(length=32), nullable=False),
        sa.Column("tenant_uid", sa.String(length=32), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("provenance", sa.Text(), nullable=True),
        sa.Column("provenance_digest", sa.String(length=100), nullable=True),
        sa.Column("chart_digest", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("signer", sa.String(length=512), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("checked_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["registry_uid"], ["registries.uid"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_uid"], ["tenants.uid"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("chart_version_uid"),
    )
    op.create_index("ix_index_staging_verdicts_run_uid", "index_staging_verdicts", ["run_uid"])
    op.create_index("ix_index_staging_verdicts_registry_uid", "index_staging_verdicts",
                    ["registry_uid"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_index_staging_verdicts_registry_uid", table_name="index_staging_verdicts")
    op.drop_index("ix_index_staging_verdicts_run_uid", table_name="index_staging_verdicts")
    op.drop_table("index_staging_verdicts")
