"""The full-text index over `charts.search_terms`: FTS5 on SQLite, a GIN tsvector on PostgreSQL.

Both index the same pre-tokenised text (`chartyard.catalog.index.search_terms`), so a
query matches the same rows on either database:

- SQLite: an external-content FTS5 table `charts_fts` kept in step by triggers on
  `charts`, so every insert, delete or update of a chart row changes the index in the
  same transaction;
- PostgreSQL: a stored generated column `search_vector`, the words as a tsvector plus two
  lexemes naming the tenant and the registry (`_t_<uid>`, `_r_<uid>`; a query word never
  holds "_"), under a GIN index. PostgreSQL computes it with the row, in the same transaction,
  and the tenant is matched inside the index like SQLite's FTS5 does.

A SQLite migration that rebuilds `charts` (Alembic batch mode copies and drops the
table, and its triggers with it) must call `install` afterwards.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

FTS_TABLE = "charts_fts"
PG_INDEX = "ix_charts_search_vector"
PG_COLUMN = "search_vector"
# PostgreSQL indexes for the ranking tiers (migration 0013): exact name and name prefix,
# then trigram indexes for "name holds the words" and "a keyword starts with each word".
PG_TIER_INDEXES = ("ix_charts_tenant_lower_name", "ix_charts_name_trgm",
                   "ix_charts_keywords_trgm")

_SQLITE_DDL = (
    # tenant_uid and registry_uid are indexed too, so a query intersects the tenant's (and a
    # registry's) postings with the words' inside FTS5 instead of fetching other tenants' rows.
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


def install(conn: Connection) -> None:
    """Create the index (and SQLite's triggers) if missing, and fill it from `charts`."""
    if conn.dialect.name == "sqlite":
        for statement in _SQLITE_DDL:
            conn.execute(text(statement))
        conn.execute(text("INSERT INTO charts_fts(charts_fts) VALUES ('rebuild')"))
    elif conn.dialect.name == "postgresql":
        conn.execute(text(
            "ALTER TABLE charts ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS "
            "AS (array_to_tsvector(string_to_array(search_terms, ' ') || ARRAY["
            "'_t_' || tenant_uid::text, '_r_' || registry_uid::text])) STORED"))
        conn.execute(text("CREATE INDEX IF NOT EXISTS ix_charts_search_vector ON charts "
                          "USING gin (search_vector)"))


def uninstall(conn: Connection) -> None:
    """Drop the index and its triggers."""
    if conn.dialect.name == "sqlite":
        for trigger in ("charts_fts_ai", "charts_fts_ad", "charts_fts_au"):
            conn.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        conn.execute(text("DROP TABLE IF EXISTS charts_fts"))
    elif conn.dialect.name == "postgresql":
        conn.execute(text("DROP INDEX IF EXISTS ix_charts_search_vector"))
        conn.execute(text("ALTER TABLE charts DROP COLUMN IF EXISTS search_vector"))


def is_search_index_object(name: str | None) -> bool:
    """Tell whether a reflected table, column or index is the search index (not in the models)."""
    return bool(name) and (name in (PG_INDEX, PG_COLUMN, *PG_TIER_INDEXES)
                           or str(name).startswith(FTS_TABLE))
