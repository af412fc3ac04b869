"""Cover catalog search with an index on (tenant_uid, name, keywords).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Replace the name index with one that also holds keywords."""
    # Keywords longer than the index can hold are cut, as new syncs do.
    op.execute(sa.text("UPDATE charts SET keywords = substr(keywords, 1, 1000)"))
    with op.batch_alter_table("charts") as batch:
        batch.drop_index("ix_charts_tenant_name")
        batch.create_index("ix_charts_tenant_search", ["tenant_uid", "name", "keywords"])


def downgrade() -> None:
    """Restore the name-only index."""
    with op.batch_alter_table("charts") as batch:
        batch.drop_index("ix_charts_tenant_search")
        batch.create_index("ix_charts_tenant_name", ["tenant_uid", "name"])
