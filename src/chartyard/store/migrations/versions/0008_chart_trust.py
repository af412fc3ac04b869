"""chart provenance verdicts, trusted keys and the trust policy per tenant

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "chart_provenance",
        sa.Column("chart_version_uid", sa.String(32),
                  sa.ForeignKey("chart_versions.uid", ondelete="CASCADE"), primary_key=True),
        sa.Column("tenant_uid", sa.String(32), sa.ForeignKey("tenants.uid", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("method", sa.String(32), nullable=False),
        sa.Column("provenance", sa.Text(), nullable=True),
        sa.Column("provenance_digest", sa.String(100), nullable=True),
        sa.Column("chart_digest", sa.String(100), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("signer", sa.String(512), nullable=True),
        sa.Column("fingerprint", sa.String(64), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_chart_provenance_tenant_uid", "chart_provenance", ["tenant_uid"])
    op.create_table(
        "trusted_keys",
        sa.Column("uid", sa.String(32), primary_key=True),
        sa.Column("tenant_uid", sa.String(32), sa.ForeignKey("tenants.uid", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("user_ids", sa.JSON(), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("tenant_uid", "fingerprint"),
    )
    op.create_table(
        "trust_policies",
        sa.Column("tenant_uid", sa.String(32), sa.ForeignKey("tenants.uid", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("require_verified", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("trust_policies")
    op.drop_table("trusted_keys")
    op.drop_index("ix_chart_provenance_tenant_uid", "chart_provenance")
    op.drop_table("chart_provenance")
