"""search: PostgreSQL indexes that let each ranking tier stop early

PostgreSQL's search reads, per ranking tier, only the first `offset + limit` matches by
name (`chartyard.catalog.search`). These indexes serve the tiers a broad query leaves
nearly empty, so no tier has to read every match:

- (tenant_uid, lower(name) text_pattern_ops): the exact name and the name prefix
  (`LIKE 'x%'` whatever the database collation);
- trigram GIN on lower(name) and on ' ' || keywords: "the name holds the words" and "a
  keyword starts with each word" (`LIKE '%x%'`). pg_trgm is a trusted extension; where it
  cannot be created the search stays exact, those two tiers are just not indexed.

SQLite's search is unchanged, so it gets nothing.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 17:00:00
"""

from __future__ import annotations

import logging

from alembic import op
from sqlalchemy.exc import DBAPIError

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)

# Frozen copies of chartyard.store.search_index.PG_TIER_INDEXES and the search's expressions.
_NAME = "ix_charts_tenant_lower_name"
_NAME_TRGM = "ix_charts_name_trgm"
_KEYWORDS_TRGM = "ix_charts_keywords_trgm"


def upgrade() -> None:
    """Apply this revision."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute(f"CREATE INDEX IF NOT EXISTS {_NAME} ON charts "
               "(tenant_uid, lower(name) text_pattern_ops)")
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DBAPIError as exc:  # not installed, or not allowed to this role
        log.warning("pg_trgm unavailable (%s); search works without its trigram indexes",
                    str(exc.orig).splitlines()[0])
        return
    op.execute(f"CREATE INDEX IF NOT EXISTS {_NAME_TRGM} ON charts "
               "USING gin (lower(name) gin_trgm_ops)")
    op.execute(f"CREATE INDEX IF NOT EXISTS {_KEYWORDS_TRGM} ON charts "
               "USING gin ((' ' || keywords) gin_trgm_ops)")


def downgrade() -> None:
    """Revert this revision (pg_trgm stays: other schemas may use it)."""
    if op.get_bind().dialect.name == "postgresql":
        for index in (_KEYWORDS_TRGM, _NAME_TRGM, _NAME):
            op.execute(f"DROP INDEX IF EXISTS {index}")
