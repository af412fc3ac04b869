"""Full-text chart search: search columns on charts, FTS5 (SQLite) or GIN tsvector (PostgreSQL).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from chartyard.catalog.index import chart_search_fields
from chartyard.store import search_index

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_BATCH = 2000


def upgrade() -> None:
    """Add the search columns, backfill them from each chart's newest version, build the index."""
    for column, default in (("maintainers", ""), ("search_terms", ""),
                            ("latest_version_key", "0")):
        op.add_column("charts", sa.Column(column, sa.Text(), nullable=False,
                                          server_default=default))
    conn = op.get_bind()
    _backfill(conn)
    search_index.install(conn)


def _backfill(conn: sa.Connection) -> None:
    charts = sa.table("charts", sa.column("uid"), sa.column("name"), sa.column("keywords"),
                      sa.column("description"), sa.column("latest_version"),
                      sa.column("latest_pack_uid"), sa.column("maintainers"),
                      sa.column("search_terms"), sa.column("latest_version_key"))
    versions = sa.table("chart_versions", sa.column("uid"), sa.column("chart_metadata", sa.JSON))
    last = ""
    while True:
        rows = conn.execute(
            sa.select(charts.c.uid, charts.c.name, charts.c.keywords, charts.c.description,
                      charts.c.latest_version, versions.c.chart_metadata)
            .select_from(charts.outerjoin(versions, versions.c.uid == charts.c.latest_pack_uid))
            .where(charts.c.uid > last).order_by(charts.c.uid).limit(_BATCH)).all()
        if not rows:
            return
        updates: list[dict[str, Any]] = []
        for row in rows:
            meta = row.chart_metadata if isinstance(row.chart_metadata, dict) else {}
            fields = chart_search_fields(row.name, row.keywords or "", row.description, meta,
                                         row.latest_version)
            updates.append({"b_uid": row.uid, **fields})
        conn.execute(charts.update().where(charts.c.uid == sa.bindparam("b_uid")).values(
            maintainers=sa.bindparam("maintainers"), search_terms=sa.bindparam("search_terms"),
            latest_version_key=sa.bindparam("latest_version_key")), updates)
        last = rows[-1].uid


def downgrade() -> None:
    """Drop the index and the search columns."""
    search_index.uninstall(op.get_bind())
    with op.batch_alter_table("charts") as batch:
        for column in ("latest_version_key", "search_terms", "maintainers"):
            batch.drop_column(column)
