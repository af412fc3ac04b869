"""Build the FastAPI application: API, UI, probes, and the embedded sync worker."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from chartyard import __version__, web
from chartyard.api.errors import install_error_handlers
from chartyard.api.observe import ObserveMiddleware
from chartyard.api.routes import (
    auth,
    catalog,
    clouds,
    compare,
    events,
    health,
    metrics,
    mirrors,
    profile_variables,
    profiles,
    projects,
    registries,
    trust,
    users,
)
from chartyard.auth import service as auth_service
from chartyard.context import AppContext
from chartyard.logs import configure_logging
from chartyard.settings import Settings, get_settings
from chartyard.store.migrate import upgrade

log = logging.getLogger(__name__)


def prepare(ctx: AppContext) -> None:
    """Apply migrations and create the bootstrap admin; print a generated password once."""
    admin = ctx.settings.admin_password
    created: list[str | None] = []

    def bootstrap(conn: Connection) -> None:
        # In the migration's transaction (and advisory lock): processes starting together
        # would otherwise race to create tenant `default` and user `admin`.
        with Session(bind=conn) as session:
            created.append(auth_service.bootstrap(
                session, admin.get_secret_value() if admin else None))
            session.flush()

    upgrade(ctx.engine, then=bootstrap)
    generated = created[0] if created else None
    if generated:
        # Printed once, to the console only; never logged.
        print(f"chartyard: created user 'admin' of tenant 'default' with password: {generated}",
              flush=True)


def create_app(settings: Settings | None = None, *, with_worker: bool = False) -> FastAPI:
    """Return the application; `with_worker` embeds a sync worker in the process."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ctx = AppContext.create(settings)
        prepare(ctx)
        app.state.ctx = ctx
        worker = None
        if with_worker:
            from chartyard.mirror import worker as mirror_worker
            from chartyard.sync.worker import BackgroundWorker

            worker = BackgroundWorker(ctx, extra=[mirror_worker.claim])
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                await worker.stop()
            ctx.dispose()

    app = FastAPI(title="chartyard", version=__version__, lifespan=lifespan,
                  description="Helm charts in OCI registries: registries, catalog, profiles.")
    install_error_handlers(app)
    app.add_middleware(ObserveMiddleware)
    for router in (health.router, metrics.router, auth.router, registries.router, events.router,
                   clouds.router,
                   catalog.router, profiles.router, profile_variables.router,
                   projects.router, users.router,
                   compare.router, trust.router, mirrors.router, web.router):
        app.include_router(router)
    web.mount_static(app)
    return app


def app_factory() -> FastAPI:
    """Return the app from the environment alone, for uvicorn's worker processes."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)  # a fresh (spawned) process
    return create_app(settings, with_worker=settings.embedded_worker)
