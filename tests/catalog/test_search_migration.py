"""The search-index migration runs on a database that already holds a catalog, and backfills."""

from __future__ import annotations

import hashlib
import json

from alembic import command
from sqlalchemy import text

from chartyard.auth.roles import Principal, Role
from chartyard.catalog.search import SearchFilters, search_query
from chartyard.store.db import make_engine, make_sessionmaker
from chartyard.store.migrate import alembic_config, upgrade
from chartyard.store.models import utcnow
from tests.harness.migrations import upgraded_from


def _digest(value: str) -> str:
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()


def _seed_at_0004(conn: object, charts: int) -> None:
    """Write a catalog with the pre-0005 schema, as an existing installation holds it."""
    execute = conn.execute  # type: ignore[attr-defined]
    now = utcnow()
    execute(text("INSERT INTO tenants (uid, name, aws_external_id, created_at) "
                 "VALUES ('t1', 'default', 'x', :now)"), {"now": now})
    execute(text("INSERT INTO registries (uid, tenant_uid, name, kind, endpoint, "
                 "is_sync_supported, spec, created_at, updated_at) VALUES ('r1', 't1', 'old', "
                 "'basic', 'https://r.example.com', false, '{}', :now, :now)"), {"now": now})
    for i in range(charts):
        name = f"legacy-{i:04d}" if i else "redis"
        meta = {"name": name, "version": "2.0.0", "description": f"Old chart number {i}",
                "maintainers": [{"name": f"Maintainer{i}"}]}
        execute(text(
            "INSERT INTO chart_versions (uid, tenant_uid, registry_uid, repository, name, tag, "
            "version, digest, config_digest, description, keywords, chart_metadata, indexed_at) "
            "VALUES (:uid, 't1', 'r1', :repo, :name, '2.0.0', '2.0.0', :d, :c, :desc, :kw, "
            ":meta, :now)"),
            {"uid": f"v{i}", "repo": f"c/{name}", "name": name, "d": _digest(f"m{i}"),
             "c": _digest(f"c{i}"), "desc": meta["description"], "kw": "legacy kept",
             "meta": json.dumps(meta), "now": now})
        execute(text(
            "INSERT INTO charts (uid, tenant_uid, registry_uid, repository, name, latest_version, "
            "latest_pack_uid, version_count, description, keywords) VALUES (:uid, 't1', 'r1', "
            ":repo, :name, '2.0.0', :pack, 1, :desc, 'legacy kept')"),
            {"uid": f"ch{i}", "repo": f"c/{name}", "name": name, "pack": f"v{i}",
             "desc": meta["description"]})


def test_upgrade_from_0004_with_rows_backfills_the_index(database_url: str) -> None:
    with upgraded_from(database_url, "0004", lambda conn: _seed_at_0004(conn, 2500)) as engine:
        # 2,500 rows: more than one backfill batch. Later migrations rebuild parent
        # tables (registries): no child row may go with them.
        with engine.connect() as conn:
            # The three table names are literals here, not input.
            counts = [conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
                      for table in ("registries", "chart_versions", "charts")]
        assert counts == [1, 2500, 2500]
        principal = Principal("u", "admin", "t1", Role.TENANT_ADMIN)
        factory = make_sessionmaker(engine)

        def names(**filters: str) -> list[str]:
            with factory() as session:
                query = search_query(engine.dialect.name, principal.tenant_uid,
                                     SearchFilters(**filters), limit=5)
                assert query is not None
                return [c.name for c in session.execute(*query)]

        assert names(q="redis") == ["redis"]
        assert names(q="maintainer1234") == ["legacy-1234"]   # maintainers backfilled
        assert names(q="number 2499") == ["legacy-2499"]      # descriptions backfilled
        assert names(q="kept")[:2] == ["legacy-0001", "legacy-0002"]
        assert names(q="redis", newer_than="1.9.9") == ["redis"]
        assert names(q="redis", newer_than="2.0.0") == []
        # New writes after the upgrade are indexed too (SQLite's triggers are in place).
        with factory() as session, session.begin():
            session.execute(text("UPDATE charts SET search_terms = 'renamed' "
                                 "WHERE uid = 'ch0'"))
        assert names(q="renamed") == ["redis"]
        assert names(q="redis") == []


def test_0013_tier_indexes_on_postgresql_only_and_downgrade_drops_them(
        database_url: str) -> None:
    from sqlalchemy import inspect

    from chartyard.store.search_index import PG_TIER_INDEXES

    engine = make_engine(database_url)
    try:
        def indexes() -> set[str]:
            with engine.connect() as conn:
                return {str(i["name"]) for i in inspect(conn).get_indexes("charts")}

        upgrade(engine)
        postgres = engine.dialect.name == "postgresql"
        assert (set(PG_TIER_INDEXES) <= indexes()) is postgres
        assert not set(PG_TIER_INDEXES) & indexes() or postgres
        with engine.begin() as conn:
            cfg = alembic_config(database_url)
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0012")
        assert not set(PG_TIER_INDEXES) & indexes()
        upgrade(engine)  # and up again
        assert (set(PG_TIER_INDEXES) <= indexes()) is postgres
    finally:
        engine.dispose()
