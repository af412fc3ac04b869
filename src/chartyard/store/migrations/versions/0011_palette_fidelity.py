"""registry and profile names: any printable name up to 255 characters, unique ignoring case;
registries keep labels and annotations, profiles every annotation, API keys their expiry text

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# 0001 created the unique constraints without names; this names them where they are
# reflected (SQLite), and matches PostgreSQL's default names.
_CONVENTION = {"uq": "%(table_name)s_%(column_0_N_name)s_key"}
KEY_LENGTH = 1020


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("api_keys") as batch_op:
        batch_op.add_column(sa.Column("expiry_text", sa.String(64), nullable=True))
    with op.batch_alter_table("registries", naming_convention=_CONVENTION) as batch_op:
        batch_op.add_column(sa.Column("name_key", sa.String(KEY_LENGTH), nullable=True))
        batch_op.add_column(sa.Column("labels", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("annotations", sa.JSON(), nullable=True))
        batch_op.alter_column("name", existing_type=sa.String(128), type_=sa.String(255),
                              existing_nullable=False)
        batch_op.drop_constraint("registries_tenant_uid_name_key", type_="unique")
    with op.batch_alter_table("cluster_profiles", naming_convention=_CONVENTION) as batch_op:
        batch_op.add_column(sa.Column("name_key", sa.String(KEY_LENGTH), nullable=True))
        batch_op.add_column(sa.Column("annotations", sa.JSON(), nullable=True))
        batch_op.alter_column("name", existing_type=sa.String(128), type_=sa.String(255),
                              existing_nullable=False)
        batch_op.drop_constraint("cluster_profiles_tenant_uid_name_version_key",
                                 type_="unique")
    # Names so far were lowercase DNS labels, so lower() is their case-folded key.
    op.execute(sa.text("UPDATE registries SET name_key = lower(name), labels = '{}', "
                       "annotations = '{}'"))
    op.execute(sa.text("UPDATE cluster_profiles SET name_key = lower(name), annotations = '{}'"))
    with op.batch_alter_table("registries") as batch_op:
        for column in ("labels", "annotations"):
            batch_op.alter_column(column, existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("name_key", existing_type=sa.String(KEY_LENGTH), nullable=False)
        batch_op.create_unique_constraint("uq_registries_name_key", ["tenant_uid", "name_key"])
    with op.batch_alter_table("cluster_profiles") as batch_op:
        batch_op.alter_column("annotations", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("name_key", existing_type=sa.String(KEY_LENGTH), nullable=False)
        batch_op.create_unique_constraint("uq_cluster_profiles_name_key",
                                          ["tenant_uid", "name_key", "version"])


def downgrade() -> None:
    """Revert this revision (fails if names that differ only in case now exist)."""
    with op.batch_alter_table("cluster_profiles") as batch_op:
        batch_op.drop_constraint("uq_cluster_profiles_name_key", type_="unique")
        batch_op.drop_column("annotations")
        batch_op.drop_column("name_key")
        batch_op.alter_column("name", existing_type=sa.String(255), type_=sa.String(128),
                              existing_nullable=False)
        batch_op.create_unique_constraint("cluster_profiles_tenant_uid_name_version_key",
                                          ["tenant_uid", "name", "version"])
    with op.batch_alter_table("registries") as batch_op:
        batch_op.drop_constraint("uq_registries_name_key", type_="unique")
        batch_op.drop_column("annotations")
        batch_op.drop_column("labels")
        batch_op.drop_column("name_key")
        batch_op.alter_column("name", existing_type=sa.String(255), type_=sa.String(128),
                              existing_nullable=False)
        batch_op.create_unique_constraint("registries_tenant_uid_name_key",
                                          ["tenant_uid", "name"])
    with op.batch_alter_table("api_keys") as batch_op:
        batch_op.drop_column("expiry_text")
