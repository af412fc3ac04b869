"""Databases stopped at an older migration, seeded there, then upgraded as a start does."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from alembic import command
from sqlalchemy import Connection, Engine

from chartyard.store.db import make_engine
from chartyard.store.migrate import alembic_config, upgrade


@contextmanager
def upgraded_from(database_url: str, revision: str,
                  seed: Callable[[Connection], None]) -> Iterator[Engine]:
    """Migrate to `revision`, run `seed` in that transaction, upgrade to head, yield the engine."""
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            cfg = alembic_config(database_url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            seed(conn)
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
