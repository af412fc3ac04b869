"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, text

from chartyard.store.db import make_engine
from chartyard.store.migrate import upgrade
from chartyard.store.models import Base
from chartyard.store.search_index import is_search_index_object
from tests.harness.migrations import upgraded_from


def _models_only(conn: Connection) -> MigrationContext:
    """Compare against the models, leaving out the search index (FTS5 tables, GIN index)."""
    return MigrationContext.configure(conn, opts={
        "include_name": lambda name, _type, _parents: not is_search_index_object(name)})


def test_upgrade_matches_models_and_is_idempotent(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        upgrade(engine)  # a second start applies nothing and fails on nothing
        with engine.connect() as conn:
            assert compare_metadata(_models_only(conn), Base.metadata) == []
    finally:
        engine.dispose()


def test_revision_ids_are_the_file_prefix() -> None:
    from alembic.script import ScriptDirectory

    from chartyard.store.migrate import alembic_config

    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    for rev in scripts.walk_revisions():
        assert rev.path is not None
        assert rev.revision == Path(rev.path).name[:4], rev.path


def test_database_stamped_with_a_legacy_revision_id_upgrades(database_url: str) -> None:
    def stamp_legacy(conn: Connection) -> None:
        conn.execute(text("UPDATE alembic_version SET version_num = '0002_profile_pack_refs'"))

    with upgraded_from(database_url, "0002", stamp_legacy) as engine, engine.connect() as conn:
        assert compare_metadata(_models_only(conn), Base.metadata) == []


def test_0015_keeps_cached_chart_contents_with_subcharts_not_read_yet(database_url: str) -> None:
    def cached(conn: Connection) -> None:
        conn.execute(text("INSERT INTO chart_contents (digest, values_yaml, readme, "
                          "values_schema, fetched_at) VALUES ('sha256:aa', 'a: 1', "
                          "'# r', '{}', CURRENT_TIMESTAMP)"))

    with upgraded_from(database_url, "0014", cached) as engine, engine.connect() as conn:
        row = conn.execute(text("SELECT values_yaml, values_schema, subcharts "
                                "FROM chart_contents WHERE digest = 'sha256:aa'")).one()
    assert tuple(row) == ("a: 1", "{}", None)  # NULL: read the archive again


def test_0016_keeps_profile_packs_without_a_chart_digest(database_url: str) -> None:
    def saved_pack(conn: Connection) -> None:
        conn.execute(text("INSERT INTO tenants (uid, name, aws_external_id, created_at) "
                          "VALUES ('t1', 't', 'x', CURRENT_TIMESTAMP)"))
        conn.execute(text(
            "INSERT INTO cluster_profiles (uid, tenant_uid, name, name_key, version, "
            "description, profile_type, cloud_type, labels, annotations, created_at, "
            "updated_at) VALUES ('p1', 't1', 'P', 'p', '1.0.0', '', 'add-on', 'all', "
            "'{}', '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        conn.execute(text(
            "INSERT INTO profile_packs (profile_uid, position, name, tag, pack_type, "
            "source, \"values\", verified, digest) VALUES ('p1', 0, 'web', '1.0.0', 'oci', "
            "'public', 'a: 1', true, 'sha256:m')"))

    with upgraded_from(database_url, "0015", saved_pack) as engine, engine.connect() as conn:
        row = conn.execute(text("SELECT name, \"values\", digest, chart_digest "
                                "FROM profile_packs WHERE profile_uid = 'p1'")).one()
    assert tuple(row) == ("web", "a: 1", "sha256:m", None)  # export reads the catalog row
