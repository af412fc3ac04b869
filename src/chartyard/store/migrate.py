"""Apply Alembic migrations programmatically."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

log = logging.getLogger(__name__)
_SCRIPTS = Path(__file__).parent / "migrations"

# Revision ids are the four-digit prefix of the file name; these were spelled otherwise.
LEGACY_REVISIONS = {"0002_profile_pack_refs": "0002"}


def alembic_config(url: str) -> Config:
    """Return an Alembic config pointing at chartyard's migration scripts."""
    cfg = Config()
    cfg.set_main_option("script_location", str(_SCRIPTS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, then: Callable[[Connection], None] | None = None) -> None:
    """Bring the database up to the newest revision; run `then` in the same transaction.

    On PostgreSQL the transaction holds an advisory lock, so processes starting at once
    (a Kubernetes rollout) migrate and bootstrap one after the other.
    """
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:
            # A batch migration rebuilds a table (copy, DROP, rename). With foreign keys on,
            # SQLite's DROP TABLE deletes the rows first and fires ON DELETE CASCADE into
            # every child table, so they go off for the upgrade (the pragma only takes
            # effect outside a transaction) and every reference is checked before commit.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        try:
            with conn.begin():
                if engine.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(727274)"))
                _upgrade(conn, str(engine.url))
                if sqlite:
                    _check_references(conn)
                if then is not None:
                    then(conn)
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()


def _check_references(conn: Connection) -> None:
    """Raise if a migration left a row pointing at a row that is not there (SQLite)."""
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise RuntimeError(f"the migration left {len(broken)} broken references, first: "
                           f"{tuple(broken[0])}; nothing was committed")


def _rename_legacy_revisions(conn: Connection) -> None:
    if not inspect(conn).has_table("alembic_version"):
        return
    for old, new in LEGACY_REVISIONS.items():
        conn.execute(text("UPDATE alembic_version SET version_num = :new WHERE version_num = :old"),
                     {"new": new, "old": old})


def _upgrade(conn: Connection, url: str) -> None:
    _rename_legacy_revisions(conn)
    before = _revision(conn)
    cfg = alembic_config(url)
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")
    after = _revision(conn)
    if before != after:
        log.info("database migrated from %s to %s", before or "an empty schema", after,
                 extra={"from_revision": before, "to_revision": after})


def _revision(conn: Connection) -> str:
    return ", ".join(sorted(MigrationContext.configure(conn).get_current_heads()))


@functools.lru_cache(maxsize=1)
def head_revisions() -> frozenset[str]:
    """Return the revision ids the migration scripts end at."""
    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def migration_gap(conn: Connection) -> str | None:
    """Return why the database is not at the migration head, or None when it is."""
    current = frozenset(MigrationContext.configure(conn).get_current_heads())
    heads = head_revisions()
    if current == heads:
        return None
    if not current:
        return "the database has no schema yet; run `chartyard db upgrade`"
    return (f"the database is at revision {', '.join(sorted(current))}, not at "
            f"{', '.join(sorted(heads))}; run `chartyard db upgrade`")
