"""Run one claimed mirror: open the target, copy each chart, then the images.

Registry I/O runs outside transactions; each finished blob is recorded in its own
short transaction before the next begins, so a killed run resumes without redoing
one. Charts failing fail the run; an image that cannot be copied is reported by
name and the run goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx

from chartyard.context import AppContext
from chartyard.errors import ChartyardError, TransientError
from chartyard.limits import LimitExceeded
from chartyard.mirror import jobs
from chartyard.mirror.images import DOCKER_HUB, parse_image
from chartyard.mirror.plan import ChartItem, Plan, PlanError, build, chart_target_ref
from chartyard.oci import Copier, parse_endpoint
from chartyard.registries.families import PushUnsupported, family_of_target
from chartyard.sources import AnyTarget, RegistryTarget
from chartyard.store.models import MirrorRun, utcnow

log = logging.getLogger(__name__)

RETRIES = 3
RETRY_SECONDS = 15
_DOCKER_HUB_API = "registry-1.docker.io"


class DbProgress:
    """Record finished blobs of one run in the database (see `chartyard.oci.Copier`)."""

    def __init__(self, ctx: AppContext, uid: str, worker: str,
                 finished: set[tuple[str, str]]) -> None:
        self.ctx = ctx
        self.uid = uid
        self.worker = worker
        self.done = finished

    def finished(self, repository: str, digest: str) -> bool:
        """Return whether the run already finished this blob."""
        return (repository, digest) in self.done

    async def blob(self, repository: str, digest: str, size: int, *, copied: bool) -> None:
        """Record a blob in its own transaction."""
        def write() -> None:
            with self.ctx.transaction() as session:
                jobs.record_blob(session, self.uid, self.worker, repository, digest, size,
                                 copied=copied)

        await asyncio.to_thread(write)
        self.done.add((repository, digest))


class MirrorJob:
    """Run mirror ``uid`` while ``worker`` holds its lease."""

    def __init__(self, ctx: AppContext, uid: str, worker: str, lease: timedelta) -> None:
        self.ctx = ctx
        self.uid = uid
        self.worker = worker
        self.lease = lease

    async def run(self) -> str:
        """Run to the end; return the final status (``LeaseLost`` if taken over)."""
        keeper = asyncio.create_task(self._keep_lease())
        try:
            return await self._run()
        except jobs.LeaseLost:
            return "LeaseLost"
        except asyncio.CancelledError:
            await asyncio.to_thread(self._release)
            raise
        finally:
            keeper.cancel()

    async def _run(self) -> str:
        try:
            plan, finished, charts = await asyncio.to_thread(self._start)
        except (PlanError, ChartyardError) as exc:
            await asyncio.to_thread(self._finish, "Failed", str(exc))
            return "Failed"
        progress = DbProgress(self.ctx, self.uid, self.worker, finished)
        options = self.ctx.sources
        try:
            family = family_of_target(plan.target)
            async with family.open_registry(plan.target, options) as target:
                copier = Copier(target.writer, progress)
                for index, item in enumerate(plan.charts):
                    if charts[index].get("done"):
                        continue
                    await target.ensure_repository(item.target_repository)
                    entry = await self._chart(copier, plan, item)
                    await asyncio.to_thread(self._chart_done, index, entry)
                images = []
                for ref in plan.images:
                    images.append(await self._image(copier, plan, ref,
                                                    target.ensure_repository))
                    await asyncio.to_thread(self._images, images)
        except (ChartyardError, ValueError, httpx.HTTPError, PushUnsupported) as exc:
            message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
            transient = isinstance(exc, TransientError | httpx.TransportError)
            if transient and await asyncio.to_thread(self._retry_later, message):
                log.warning("mirror interrupted by a registry fault; it resumes later",
                            extra={"mirror": self.uid, "error": message})
                return "Retrying"
            log.warning("mirror failed", extra={"mirror": self.uid, "error": message})
            await asyncio.to_thread(self._finish, "Failed", message)
            return "Failed"
        failed = [i["name"] for i in images if i.get("error")]
        message = (f"{len(plan.charts)} charts mirrored" +
                   (f"; images not copied: {', '.join(failed)}" if failed else ""))
        await asyncio.to_thread(self._finish, "Completed", message)
        return "Completed"

    # ---- copying --------------------------------------------------------------
    async def _chart(self, copier: Copier, plan: Plan, item: ChartItem) -> dict[str, Any]:
        entry = {"name": item.name, "version": item.version, "source": item.source_ref(),
                 "target": chart_target_ref(plan, item)}
        async with item.family.open_chart(item.source, self.ctx.sources, item.repository,
                                          item.digest, version=item.version,
                                          urls=item.urls) as chart:
            done = await copier.copy_artifact(chart.reader, chart.repository, chart.reference,
                                              item.target_repository, item.tag)
        return {**entry, "digest": done.digest, "copied": done.copied}

    async def _image(self, copier: Copier, plan: Plan, text: str,
                     ensure: Callable[[str], Awaitable[None]]) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": text}
        try:
            ref = parse_image(text)
            source: AnyTarget | None = plan.by_authority.get(ref.host)
            if source is None:
                host = _DOCKER_HUB_API if ref.host == DOCKER_HUB else ref.host
                source = RegistryTarget(kind="basic", endpoint=parse_endpoint(f"https://{host}"))
            family = family_of_target(source)
            endpoint = family.oci_endpoint(source)
            if endpoint is None:
                raise ValueError(f"{text}: its registry serves no OCI content")
            dst = plan.target_repository(ref.path)
            tag = ref.tag
            entry.update(source=str(ref), target=f"{plan.target_endpoint.authority}/{dst}"
                         + (f":{tag}" if tag else ""))
            await ensure(dst)
            async with family.open_registry(source, self.ctx.sources) as registry:
                done = await copier.copy_artifact(registry.writer,
                                                  endpoint.repository(ref.path),
                                                  ref.reference, dst, tag)
            if ref.digest and done.digest != ref.digest:
                raise ValueError(f"{text} resolved to {done.digest}")
            entry.update(digest=done.digest, copied=done.copied, platforms=done.platforms)
        except (ChartyardError, ValueError, httpx.HTTPError, LimitExceeded) as exc:
            entry["error"] = getattr(exc, "message", None) or str(exc) or type(exc).__name__
            log.warning("mirror: image not copied", extra={"image": text,
                                                           "error": entry["error"]})
        return entry

    # ---- database -------------------------------------------------------------
    def _start(self) -> tuple[Plan, set[tuple[str, str]], list[dict[str, Any]]]:
        with self.ctx.transaction() as session:
            run = jobs.held(session, self.uid, self.worker)
            plan = build(session, run, self.ctx.box.decrypt)
            run.status = "InProgress"
            run.started_at = run.started_at or utcnow()
            charts = list(run.charts or [])
            if len(charts) != len(plan.charts):
                charts = [{"name": c.name, "version": c.version, "source": c.source_ref(),
                           "target": chart_target_ref(plan, c), "digest": None,
                           "copied": False} for c in plan.charts]
                run.charts = charts
            run.charts_total = len(plan.charts)
            run.message = "copying"
            return plan, jobs.finished_blobs(session, self.uid), charts

    def _chart_done(self, index: int, entry: dict[str, Any]) -> None:
        with self.ctx.transaction() as session:
            run = jobs.held(session, self.uid, self.worker)
            charts = list(run.charts or [])
            charts[index] = {**entry, "done": True}
            run.charts = charts
            run.charts_done = sum(1 for c in charts if c.get("done"))

    def _images(self, images: list[dict[str, Any]]) -> None:
        with self.ctx.transaction() as session:
            jobs.held(session, self.uid, self.worker).images = list(images)

    def _finish(self, status: str, message: str) -> None:
        with self.ctx.transaction() as session:
            run = jobs.held(session, self.uid, self.worker)
            run.status = status
            run.message = message[:2000]
            run.finished_at = utcnow()
            run.lease_owner = None
            run.lease_expires_at = None

    def _retry_later(self, message: str) -> bool:
        """Hand the run back to be resumed after a pause; False once retries are spent."""
        with self.ctx.transaction() as session:
            run = jobs.held(session, self.uid, self.worker)
            if run.attempts >= RETRIES:
                return False
            run.attempts += 1
            delay = RETRY_SECONDS * 2 ** (run.attempts - 1)
            run.message = (f"a registry fault interrupted the run ({message[:500]}); it "
                           f"resumes in {delay} s (retry {run.attempts} of {RETRIES})")
            # An expired-by-then lease held by no worker: claimable once the pause is over.
            run.lease_owner = jobs.PAUSED
            run.lease_expires_at = utcnow() + timedelta(seconds=delay)
            return True

    def _release(self) -> None:
        with contextlib.suppress(Exception), self.ctx.transaction() as session:
            jobs.release(session, self.uid, self.worker)

    async def _keep_lease(self) -> None:
        def renew() -> bool:
            with self.ctx.transaction() as session:
                return jobs.renew(session, self.uid, self.worker, self.lease)

        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            with contextlib.suppress(Exception):
                if not await asyncio.to_thread(renew):
                    return


async def run_mirror(ctx: AppContext, uid: str, worker: str = "inline",
                     lease: timedelta = timedelta(minutes=5)) -> str:
    """Claim ``uid`` for ``worker`` and run it now, in this process (tests and tools)."""
    def claim() -> bool:
        with ctx.transaction() as session:
            run = session.get(MirrorRun, uid)
            if run is None or run.status not in jobs.ACTIVE:
                return False
            run.lease_owner, run.lease_expires_at = worker, utcnow() + lease
            return True

    if not await asyncio.to_thread(claim):
        return "Skipped"
    return await MirrorJob(ctx, uid, worker, lease).run()
