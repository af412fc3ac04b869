"""Apply Alembic migrations programmatically."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, inspect, text

_SCRIPTS = Path(__file__).parent / "migrations"

# Revision ids are the four-digit prefix of the file name; these were spelled otherwise.
LEGACY_REVISIONS = {"0002_profile_pack_refs": "0002"}


def alembic_config(url: str) -> Config:
    """Return an Alembic config pointing at chartyard's migration scripts."""
    cfg = Config()
    cfg.set_main_option("script_location", str(_SCRIPTS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the database up to the newest revision."""
    if engine.dialect.name == "postgresql":
        _upgrade_locked(engine)
        return
    with engine.begin() as conn:
        _upgrade(conn, str(engine.url))


def _rename_legacy_revisions(conn: Connection) -> None:
    if not inspect(conn).has_table("alembic_version"):
        return
    for old, new in LEGACY_REVISIONS.items():
        conn.execute(text("UPDATE alembic_version SET version_num = :new WHERE version_num = :old"),
                     {"new": new, "old": old})


def _upgrade(conn: Connection, url: str) -> None:
    _rename_legacy_revisions(conn)
    cfg = alembic_config(url)
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")


def _upgrade_locked(engine: Engine) -> None:
    # Several processes may start at once: serialise with an advisory lock.
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(727274)"))
        _upgrade(conn, str(engine.url))
