"""Sync workers: claim due registries through leases, run their syncs, keep leases alive."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from chartyard import metrics
from chartyard.context import AppContext
from chartyard.store.models import SyncRun, utcnow
from chartyard.store.wakeup import Listener
from chartyard.sync import leases
from chartyard.sync.apply import record_failure
from chartyard.sync.pipeline import Outcome, SyncJob

log = logging.getLogger(__name__)

# Another kind of work a worker takes when no sync is due (mirror runs): claim one, start
# it, return its task (None when there is none). The composition root (`chartyard.app`,
# `chartyard worker`) hands these in, so sync imports nothing of the layers above it.
ExtraClaim = Callable[[AppContext, str, timedelta], Awaitable["asyncio.Task[None] | None"]]


def worker_id() -> str:
    """Return a name unique to this process."""
    return f"{socket.gethostname()}:{os.getpid()}:{os.urandom(3).hex()}"


class Worker:
    """Claim due registries as soon as they are due and sync up to `concurrency` at once."""

    def __init__(self, ctx: AppContext, *, concurrency: int = 2,
                 extra: Sequence[ExtraClaim] = ()) -> None:
        self.ctx = ctx
        self.extra = tuple(extra)
        self.id = worker_id()
        self.concurrency = concurrency
        self.lease = timedelta(seconds=ctx.settings.lease_seconds)
        self.running: set[asyncio.Task[None]] = set()
        self.stopping = False
        self.idle = threading.Event()  # set while it waits for work (tests watch it)

    def _claim(self) -> str | None:
        with self.ctx.transaction() as session:
            return leases.claim_next(session, self.id, self.lease)

    def _idle_seconds(self) -> float:
        """Return how long to wait for a wake-up: until the next due time, at most a poll."""
        poll = float(self.ctx.settings.worker_poll_seconds)
        with self.ctx.transaction() as session:
            due = leases.next_due(session)
        if due is None:
            return poll
        return min(poll, max(0.0, (due - utcnow()).total_seconds()) + 0.01)

    async def run(self, stop: asyncio.Event) -> None:
        """Work until `stop` is set, then let running syncs finish.

        The worker claims work when woken (a sync asked for in this process, or a
        PostgreSQL notification from another), when a due time comes, and at least
        every ``worker_poll_seconds`` as a safety net.
        """
        log.info("sync worker started", extra={"worker": self.id})
        woken = self.ctx.wakeup.subscribe()
        listener = self._listen()
        try:
            await self._loop(stop, woken)
        finally:
            self.ctx.wakeup.unsubscribe(woken)
            if listener is not None:
                await asyncio.to_thread(listener.stop)
        # Stopping (SIGTERM): interrupt running syncs and hand their leases back, so another
        # worker takes them over at once instead of waiting for the leases to expire.
        self.stopping = True
        for task in self.running:
            task.cancel()
        if self.running:
            await asyncio.gather(*self.running, return_exceptions=True)
        log.info("sync worker stopped", extra={"worker": self.id})

    async def _claim_extra(self, woken: asyncio.Event) -> bool:
        """Start one job of another kind if one is waiting; return whether one started."""
        for claim in self.extra:
            task = await claim(self.ctx, self.id, self.lease)
            if task is not None:
                self.running.add(task)
                task.add_done_callback(self.running.discard)
                task.add_done_callback(lambda _t: woken.set())
                return True
        return False

    def _listen(self) -> Listener | None:
        if self.ctx.engine.dialect.name != "postgresql":
            return None
        listener = Listener(self.ctx.engine, self.ctx.wakeup)
        listener.start()
        return listener

    async def _loop(self, stop: asyncio.Event, woken: asyncio.Event) -> None:
        while not stop.is_set():
            woken.clear()  # before the claim: a wake-up during it is not lost
            claimed = None
            idle = float(self.ctx.settings.worker_poll_seconds)
            try:
                if len(self.running) < self.concurrency:
                    claimed = await asyncio.to_thread(self._claim)
                    if not claimed:
                        idle = await asyncio.to_thread(self._idle_seconds)
            except OperationalError as exc:
                log.warning("cannot claim work: database unavailable",
                            extra={"error": str(exc.orig)})
            if claimed:
                task = asyncio.create_task(self._sync(claimed))
                self.running.add(task)
                task.add_done_callback(self.running.discard)
                task.add_done_callback(lambda _t: woken.set())  # a free slot: claim again
                continue
            if len(self.running) < self.concurrency and await self._claim_extra(woken):
                continue
            self.idle.set()
            log.debug("waiting for work", extra={"worker": self.id, "seconds": round(idle, 3)})
            await _first(stop, woken, idle)
            self.idle.clear()

    async def _sync(self, uid: str) -> None:
        started = time.monotonic()
        job = asyncio.create_task(SyncJob(self.ctx, uid, self.id).run())
        keeper = asyncio.create_task(self._keep_lease(uid, job))
        status = "Crashed"
        try:
            outcome = await job
            status = outcome.status
            log.info("sync finished", extra={"registry": uid, "status": outcome.status,
                                             "requests": outcome.requests})
        except asyncio.CancelledError:
            if self.stopping:
                status = "Interrupted"
                job.cancel()
                await asyncio.gather(job, return_exceptions=True)
                await asyncio.to_thread(self._give_up, uid)
                log.warning("sync interrupted: worker stopping; lease handed back",
                            extra={"registry": uid})
            else:
                status = "LeaseLost"
                log.warning("sync abandoned: lease lost", extra={"registry": uid})
        except Exception as exc:  # a bug must not leave the registry InProgress
            log.exception("sync crashed", extra={"registry": uid})
            await asyncio.to_thread(self._record_crash, uid, exc)
        finally:
            keeper.cancel()
            metrics.sync_finished(uid, status, time.monotonic() - started)

    def _give_up(self, uid: str) -> None:
        try:
            with self.ctx.transaction() as session:
                leases.give_up(session, uid, self.id)
        except OperationalError:
            log.warning("cannot hand the lease back: database unavailable; it expires instead",
                        extra={"registry": uid})

    def _record_crash(self, uid: str, exc: Exception) -> None:
        with self.ctx.transaction() as session:
            # Close the crashed job's own run; create one only if it never started.
            run = session.scalar(
                select(SyncRun).where(SyncRun.registry_uid == uid, SyncRun.worker == self.id,
                                      SyncRun.status == "InProgress")
                .order_by(SyncRun.started_at.desc()).limit(1)
            ) or SyncRun(registry_uid=uid, worker=self.id, started_at=utcnow())
            record_failure(session, uid, run, self.id, "InternalError",
                           f"the sync stopped on an internal error ({type(exc).__name__}); "
                           "the previous catalog is kept and the server log has details",
                           utcnow() + timedelta(minutes=5))

    async def _keep_lease(self, uid: str, job: asyncio.Task[Outcome]) -> None:
        def renew() -> bool:
            with self.ctx.transaction() as session:
                return leases.renew(session, uid, self.id, self.lease)

        while not job.done():
            await asyncio.sleep(self.lease.total_seconds() / 3)
            try:
                held = await asyncio.to_thread(renew)
            except OperationalError:
                continue  # the database is briefly away; the lease has slack
            if not held:
                job.cancel()
                return


async def _first(stop: asyncio.Event, woken: asyncio.Event, seconds: float) -> None:
    """Wait until ``stop`` or ``woken`` is set, or ``seconds`` have passed."""
    waits = [asyncio.create_task(stop.wait()), asyncio.create_task(woken.wait())]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waits:
            task.cancel()
        await asyncio.gather(*waits, return_exceptions=True)


class BackgroundWorker:
    """Run a Worker on its own thread and event loop, for `chartyard serve`."""

    def __init__(self, ctx: AppContext, *, extra: Sequence[ExtraClaim] = ()) -> None:
        self.worker = Worker(ctx, extra=extra)
        self._loop = asyncio.new_event_loop()
        self._stop = asyncio.Event()
        self._thread = threading.Thread(target=self._main, name="chartyard-sync", daemon=True)

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self.worker.run(self._stop))

    def start(self) -> None:
        """Start the worker thread."""
        self._thread.start()

    async def stop(self) -> None:
        """Ask the worker to stop and wait for it."""
        self._loop.call_soon_threadsafe(self._stop.set)
        await asyncio.to_thread(self._thread.join, 30)
