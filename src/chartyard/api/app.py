"""Build the FastAPI application: API, UI, probes, and the embedded sync worker."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from chartyard import __version__, web
from chartyard.api.errors import install_error_handlers
from chartyard.api.routes import auth, catalog, clouds, events, health, profiles, registries
from chartyard.auth import service as auth_service
from chartyard.context import AppContext
from chartyard.settings import Settings, get_settings
from chartyard.store.migrate import upgrade

log = logging.getLogger(__name__)


def prepare(ctx: AppContext) -> None:
    """Apply migrations and create the bootstrap admin; print a generated password once."""
    upgrade(ctx.engine)
    admin = ctx.settings.admin_password
    with ctx.transaction() as session:
        generated = auth_service.bootstrap(session, admin.get_secret_value() if admin else None)
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
            from chartyard.sync.worker import BackgroundWorker

            worker = BackgroundWorker(ctx)
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
    for router in (health.router, auth.router, registries.router, events.router, clouds.router,
                   catalog.router, profiles.router, web.router):
        app.include_router(router)
    web.mount_static(app)
    return app


def app_factory() -> FastAPI:
    """Return the app from the environment alone, for uvicorn's worker processes."""
    settings = get_settings()
    return create_app(settings, with_worker=settings.embedded_worker)
