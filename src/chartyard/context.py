"""The objects one chartyard process shares: settings, database, secret box, caches."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

import anyio.to_thread
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from chartyard.oci import ClientLimits, EgressPolicy, HostBudgets
from chartyard.settings import Settings
from chartyard.sources import SourceOptions
from chartyard.store.crypto import SecretBox, load_keys
from chartyard.store.db import make_engine, make_sessionmaker
from chartyard.store.wakeup import Wakeup, watch

T = TypeVar("T")


@dataclass
class AppContext:
    """Hold what request handlers and workers of one process share."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    box: SecretBox
    sources: SourceOptions
    wakeup: Wakeup = field(default_factory=Wakeup)  # sync workers wait on it

    @classmethod
    def create(cls, settings: Settings) -> AppContext:
        """Build the context for the given settings."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(settings.resolved_database_url, pool_size=settings.db_pool_size,
                             max_overflow=settings.db_max_overflow)
        secret = settings.secret_key.get_secret_value() if settings.secret_key else None
        policy = settings.budget_policy
        limits = ClientLimits(
            connect_timeout=settings.registry_connect_timeout,
            read_timeout=settings.registry_read_timeout,
            max_in_flight=policy.cap,  # the most ever in flight: pool size, task fan-out
        )
        egress = EgressPolicy.from_cidrs(settings.egress_deny, settings.egress_allow)
        ctx = cls(settings, engine, make_sessionmaker(engine),
                  SecretBox(load_keys(secret, settings.data_dir)),
                  SourceOptions(limits=limits, egress=egress, budgets=HostBudgets(policy)))
        watch(ctx.sessions, ctx.wakeup)
        return ctx

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Yield a session that commits on success and rolls back on error."""
        with self.sessions() as session, session.begin():
            yield session

    async def run_transaction(self, work: Callable[[Session], T]) -> T:
        """Run blocking `work` in one short transaction on a worker thread.

        What async handlers use around registry I/O, which runs outside any transaction.
        """
        def run() -> T:
            with self.transaction() as session:
                return work(session)

        return await anyio.to_thread.run_sync(run)

    def dispose(self) -> None:
        """Close database connections."""
        self.engine.dispose()
