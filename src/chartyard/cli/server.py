"""`chartyard serve` and `chartyard worker`."""

from __future__ import annotations

import logging
import os
import signal
import ssl
from pathlib import Path
from typing import Annotated, Any

import typer

log = logging.getLogger("chartyard.server")


def check_tls(cert: Path | None, key: Path | None) -> dict[str, str]:
    """Return uvicorn's TLS arguments after loading the pair once; exit with the cause if bad."""
    if cert is None and key is None:
        return {}
    if cert is None or key is None:
        raise typer.BadParameter("give both --tls-cert and --tls-key (PEM files), or neither",
                                 param_hint="--tls-cert/--tls-key")
    for option, path in (("--tls-cert", cert), ("--tls-key", key)):
        try:
            path.read_bytes()
        except OSError as exc:
            raise typer.BadParameter(f"cannot read {path}: {exc.strerror}",
                                     param_hint=option) from exc
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except ssl.SSLError as exc:
        reason = exc.reason or str(exc)
        hint = ("the key does not belong to the certificate" if "MISMATCH" in reason
                else "expected a PEM certificate (chain) and its unencrypted PEM private key")
        raise typer.BadParameter(f"{cert} and {key} do not form a TLS key pair: {reason} "
                                 f"({hint})", param_hint="--tls-cert/--tls-key") from exc
    return {"ssl_certfile": str(cert), "ssl_keyfile": str(key)}


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8080,
    worker: Annotated[bool, typer.Option("--worker/--no-worker",
                                         help="Embed a sync worker.")] = True,
    workers: Annotated[int, typer.Option(
        min=1, max=64, help="API processes; each is stateless (leases keep syncs single).")] = 1,
    tls_cert: Annotated[Path | None, typer.Option(
        help="PEM certificate (chain) to serve HTTPS; needs --tls-key.")] = None,
    tls_key: Annotated[Path | None, typer.Option(
        help="PEM private key of --tls-cert.")] = None,
) -> None:
    """Run the API, the web UI and (unless --no-worker) an embedded sync worker."""
    tls = check_tls(tls_cert, tls_key)  # before anything binds or migrates
    from chartyard.logs import configure_logging
    from chartyard.settings import get_settings

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    multiproc = created = None
    if workers > 1:
        # Before any process imports prometheus_client: every API process writes its
        # series to files there, and /metrics merges them.
        from chartyard.metrics import MULTIPROC_ENV, prepare_multiprocess_dir

        configured = os.environ.get(MULTIPROC_ENV)
        multiproc = prepare_multiprocess_dir(configured)
        created = None if configured else multiproc
        os.environ[MULTIPROC_ENV] = str(multiproc)
    import uvicorn

    from chartyard.app import create_app, prepare
    from chartyard.context import AppContext

    options: dict[str, Any] = dict(
        host=host, port=port, log_config=None, access_log=False, proxy_headers=True,
        # Outlive load balancers' idle timeouts (often 60 s): a client must not reuse
        # a connection the server is closing at that very moment.
        timeout_keep_alive=75,
        # SIGTERM: stop accepting, finish requests in flight, then give up on stragglers
        # before Kubernetes' default 30 s grace period ends in SIGKILL.
        timeout_graceful_shutdown=settings.shutdown_grace_seconds, **tls)

    def run(app: Any, **extra: Any) -> None:
        _announce(settings.resolved_database_url, f"{'https' if tls else 'http'}://{host}:{port}",
                  worker=worker, workers=workers)
        uvicorn.run(app, **options, **extra)

    try:
        if workers == 1:
            run(create_app(settings, with_worker=worker))
            return
        # Migrate and bootstrap once here, so the processes start on a ready database.
        ctx = AppContext.create(settings)
        prepare(ctx)
        ctx.dispose()
        os.environ["CHARTYARD_EMBEDDED_WORKER"] = "true" if worker else "false"
        run("chartyard.app:app_factory", factory=True, workers=workers)
    finally:
        if created is not None:
            from chartyard.metrics import remove_multiprocess_dir

            remove_multiprocess_dir(created)


def _announce(database_url: str, url: str, *, worker: bool, workers: int) -> None:
    """Log the one line an operator needs at a start: address, database and worker."""
    from sqlalchemy.engine import make_url

    database = make_url(database_url).render_as_string(hide_password=True)
    log.info("chartyard serving on %s (%d API process%s) with database %s, %s", url, workers,
             "" if workers == 1 else "es", database,
             "embedded sync worker" if worker else "no sync worker (--no-worker)",
             extra={"url": url, "database": database, "embedded_worker": worker,
                    "api_processes": workers})


def worker(
    metrics_port: Annotated[int, typer.Option(
        help="Serve this worker's Prometheus series on this port (0: off).")] = 0,
    metrics_host: Annotated[str, typer.Option(help="Address for --metrics-port.")] = "127.0.0.1",
) -> None:
    """Run a sync worker only; SIGTERM hands running syncs' leases back and exits."""
    from chartyard.app import prepare
    from chartyard.context import AppContext
    from chartyard.logs import configure_logging
    from chartyard.mirror import worker as mirror_worker
    from chartyard.settings import get_settings
    from chartyard.sync.worker import Worker

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    ctx = AppContext.create(settings)
    prepare(ctx)
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, metrics_host)
    import asyncio  # here: top-level help need not load it

    stop = asyncio.Event()

    async def run() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await Worker(ctx, extra=[mirror_worker.claim]).run(stop)

    try:
        asyncio.run(run())
    finally:
        ctx.dispose()


def register(app: typer.Typer) -> None:
    """Add the server commands to the app."""
    app.command()(serve)
    app.command()(worker)
