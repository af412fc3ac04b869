"""`chartyard serve` and `chartyard worker`."""

from __future__ import annotations

import asyncio
import functools
import os
import signal
from typing import Annotated

import typer

from chartyard.logs import configure_logging
from chartyard.settings import get_settings


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8080,
    worker: Annotated[bool, typer.Option("--worker/--no-worker",
                                         help="Embed a sync worker.")] = True,
    workers: Annotated[int, typer.Option(
        min=1, max=64, help="API processes; each is stateless (leases keep syncs single).")] = 1,
) -> None:
    """Run the API, the web UI and (unless --no-worker) an embedded sync worker."""
    import uvicorn

    from chartyard.api.app import create_app, prepare
    from chartyard.context import AppContext

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    run = functools.partial(
        uvicorn.run, host=host, port=port, log_config=None, access_log=False,
        proxy_headers=True,
        # Outlive load balancers' idle timeouts (often 60 s): a client must not reuse
        # a connection the server is closing at that very moment.
        timeout_keep_alive=75)
    if workers == 1:
        run(create_app(settings, with_worker=worker))
        return
    # Migrate and bootstrap once here, so the processes do not race to do it.
    ctx = AppContext.create(settings)
    prepare(ctx)
    ctx.dispose()
    os.environ["CHARTYARD_EMBEDDED_WORKER"] = "true" if worker else "false"
    run("chartyard.api.app:app_factory", factory=True, workers=workers)


def worker() -> None:
    """Run a sync worker only."""
    from chartyard.api.app import prepare
    from chartyard.context import AppContext
    from chartyard.sync.worker import Worker

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    ctx = AppContext.create(settings)
    prepare(ctx)
    stop = asyncio.Event()

    async def run() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await Worker(ctx).run(stop)

    try:
        asyncio.run(run())
    finally:
        ctx.dispose()


def register(app: typer.Typer) -> None:
    """Add the server commands to the app."""
    app.command()(serve)
    app.command()(worker)
