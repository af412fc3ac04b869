"""The objects one chartyard process shares: settings, database, secret box, caches."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from chartyard.oci import ClientLimits, EgressPolicy
from chartyard.settings import Settings
from chartyard.sources import SourceOptions
from chartyard.store.crypto import SecretBox, load_keys
from chartyard.store.db import make_engine, make_sessionmaker


@dataclass
class AppContext:
    """Hold what request handlers and workers of one process share."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    box: SecretBox
    sources: SourceOptions

    @classmethod
    def create(cls, settings: Settings) -> AppContext:
        """Build the context for the given settings."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.resolved_database_url, pool_size=settings.db_pool_size,
                             max_overflow=settings.db_max_overflow)
        secret = settings.secret_key.get_secret_value() if settings.secret_key else None
        limits = ClientLimits(
            connect_timeout=settings.registry_connect_timeout,
            read_timeout=settings.registry_read_timeout,
            max_in_flight=settings.max_in_flight_per_host,
        )
        egress = EgressPolicy.from_cidrs(settings.egress_deny, settings.egress_allow)
        return cls(settings, engine, make_sessionmaker(engine),
                   SecretBox(load_keys(secret, settings.data_dir)),
                   SourceOptions(limits=limits, egress=egress))

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Yield a session that commits on success and rolls back on error."""
        with self.sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        """Close database connections."""
        self.engine.dispose()
