"""Let a sync worker take mirror runs too: claim one, run it under its lease."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy.exc import OperationalError

from chartyard.context import AppContext
from chartyard.mirror import jobs
from chartyard.mirror.runner import MirrorJob

log = logging.getLogger(__name__)


async def claim(ctx: AppContext, worker: str, lease: timedelta) -> asyncio.Task[None] | None:
    """Claim the next mirror run and start it as a task; None when there is none."""
    def take() -> str | None:
        with ctx.transaction() as session:
            return jobs.claim_next(session, worker, lease)

    try:
        uid = await asyncio.to_thread(take)
    except OperationalError as exc:
        log.warning("cannot claim mirrors: database unavailable", extra={"error": str(exc.orig)})
        return None
    if uid is None:
        return None
    log.info("mirror claimed", extra={"mirror": uid, "worker": worker})
    return asyncio.create_task(_run(MirrorJob(ctx, uid, worker, lease)))


async def _run(job: MirrorJob) -> None:
    try:
        status = await job.run()
    except asyncio.CancelledError:
        raise
    except Exception:  # a bug must not kill the worker loop; the lease expires and retries
        log.exception("mirror crashed", extra={"mirror": job.uid})
        return
    log.info("mirror finished", extra={"mirror": job.uid, "status": status})
