"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from chartyard.api.deps import Ctx
from chartyard.context import AppContext
from chartyard.store.migrate import migration_gap
from chartyard.wire.ops import Health, NotReady, Ready

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """Answer while the process is alive."""
    return Health(status="ok")


def readiness(ctx: AppContext) -> str | None:
    """Return why the process cannot serve, or None when the database is reachable and migrated."""
    try:
        with ctx.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            return migration_gap(conn)
    except SQLAlchemyError as exc:
        cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        return f"the database is unreachable ({type(exc).__name__}: {cause[0] if cause else ''})"


@router.get("/readyz", response_model=Ready,
            responses={503: {"model": NotReady, "description": "Not ready: the reason says why."}})
async def readyz(ctx: Ctx) -> JSONResponse:
    """Answer 200 when the database is reachable and at the migration head, 503 otherwise."""
    reason = await run_in_threadpool(readiness, ctx)
    if reason is not None:
        return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)
    return JSONResponse({"status": "ready"})
