"""Full-text chart search: search columns on charts, FTS5 (SQLite) or GIN tsvector (PostgreSQL).

The backfill and the index DDL are frozen copies of what `chartyard.catalog.index` and
`chartyard.store.search_index` did at this revision: a migration must not change when
the live code does.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import re
from typing import Any

import semver
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_BATCH = 2000

# ---- frozen copy of chartyard.catalog.index (search columns) at revision 0005 ----
_MAX_TERM_CHARS = 64
_MAX_TERMS_TEXT = 4000
_WORD = re.compile(r"[^\W_]+")


def _search_terms(name: str, keywords: str, description: str | None, maintainers: str) -> str:
    seen: dict[str, None] = {}
    size = 0
    for field in (name, keywords, description or "", maintainers):
        for word in _WORD.findall(field.lower()):
            word = word[:_MAX_TERM_CHARS]
            if word in seen:
                continue
            size += len(word) + 1
            if size > _MAX_TERMS_TEXT:
                return " ".join(seen)
            seen[word] = None
    return " ".join(seen)


def _maintainer_names(metadata: dict[str, Any]) -> str:
    found = metadata.get("maintainers")
    if not isinstance(found, list):
        return ""
    parts: list[str] = []
    for entry in found[:50]:
        if isinstance(entry, dict):
            parts += [str(entry[k])[:256] for k in ("name", "email") if entry.get(k)]
    return " ".join(parts)[:2000]


def _number(digits: str) -> str:
    digits = digits.lstrip("0") or "0"
    return f"{len(digits):02d}{digits}"


def _version_order_key(version: str) -> str:
    text = version[1:] if version.startswith("v") else version
    try:
        parsed = semver.Version.parse(text)
    except ValueError:
        return "0"
    head = "1" + "".join(_number(str(n)) for n in (parsed.major, parsed.minor, parsed.patch))
    if parsed.prerelease is None:
        return head + "~"
    ids = (("0" + _number(i)) if i.isdigit() else ("1" + i)
           for i in str(parsed.prerelease).split("."))
    return head + "-" + " ".join(ids)


def chart_search_fields(name: str, keywords: str, description: str | None,
                        metadata: dict[str, Any], latest_version: str) -> dict[str, str]:
    """Return the search columns of a chart row, as revision 0005 computes them."""
    maintainers = _maintainer_names(metadata)
    return {"maintainers": maintainers,
            "search_terms": _search_terms(name, keywords, description, maintainers),
            "latest_version_key": _version_order_key(latest_version)}


# ---- frozen copy of chartyard.store.search_index at revision 0005 ----
_SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS charts_fts USING fts5(tenant_uid, registry_uid, "
    "search_terms, content='charts', tokenize='unicode61 remove_diacritics 0', "
    "prefix='2 3', detail='column')",
    "CREATE TRIGGER IF NOT EXISTS charts_fts_ai AFTER INSERT ON charts BEGIN "
    "INSERT INTO charts_fts(rowid, tenant_uid, registry_uid, search_terms) "
    "VALUES (new.rowid, new.tenant_uid, new.registry_uid, new.search_terms); END",
    "CREATE TRIGGER IF NOT EXISTS charts_fts_ad AFTER DELETE ON charts BEGIN "
    "INSERT INTO charts_fts(charts_fts, rowid, tenant_uid, registry_uid, search_terms) "
    "VALUES ('delete', old.rowid, old.tenant_uid, old.registry_uid, old.search_terms); END",
    "CREATE TRIGGER IF NOT EXISTS charts_fts_au AFTER UPDATE ON charts BEGIN "
    "INSERT INTO charts_fts(charts_fts, rowid, tenant_uid, registry_uid, search_terms) "
    "VALUES ('delete', old.rowid, old.tenant_uid, old.registry_uid, old.search_terms); "
    "INSERT INTO charts_fts(rowid, tenant_uid, registry_uid, search_terms) "
    "VALUES (new.rowid, new.tenant_uid, new.registry_uid, new.search_terms); END",
)


def _install_index(conn: sa.Connection) -> None:
    if conn.dialect.name == "sqlite":
        for statement in _SQLITE_DDL:
            conn.execute(sa.text(statement))
        conn.execute(sa.text("INSERT INTO charts_fts(charts_fts) VALUES ('rebuild')"))
    elif conn.dialect.name == "postgresql":
        conn.execute(sa.text(
            "ALTER TABLE charts ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS "
            "AS (array_to_tsvector(string_to_array(search_terms, ' ') || ARRAY["
            "'_t_' || tenant_uid::text, '_r_' || registry_uid::text])) STORED"))
        conn.execute(sa.text("CREATE INDEX IF NOT EXISTS ix_charts_search_vector ON charts "
                             "USING gin (search_vector)"))


def _uninstall_index(conn: sa.Connection) -> None:
    if conn.dialect.name == "sqlite":
        for trigger in ("charts_fts_ai", "charts_fts_ad", "charts_fts_au"):
            conn.execute(sa.text(f"DROP TRIGGER IF EXISTS {trigger}"))
        conn.execute(sa.text("DROP TABLE IF EXISTS charts_fts"))
    elif conn.dialect.name == "postgresql":
        conn.execute(sa.text("DROP INDEX IF EXISTS ix_charts_search_vector"))
        conn.execute(sa.text("ALTER TABLE charts DROP COLUMN IF EXISTS search_vector"))


def upgrade() -> None:
    """Add the search columns, backfill them from each chart's newest version, build the index."""
    for column, default in (("maintainers", ""), ("search_terms", ""),
                            ("latest_version_key", "0")):
        op.add_column("charts", sa.Column(column, sa.Text(), nullable=False,
                                          server_default=default))
    conn = op.get_bind()
    _backfill(conn)
    _install_index(conn)


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
    _uninstall_index(op.get_bind())
    with op.batch_alter_table("charts") as batch:
        for column in ("latest_version_key", "search_terms", "maintainers"):
            batch.drop_column(column)
