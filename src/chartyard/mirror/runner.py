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
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx

from chartyard.aws import EcrClient
from chartyard.context import AppContext
from chartyard.errors import ChartyardError, TransientError
from chartyard.http import compute_digest
from chartyard.limits import LimitExceeded
from chartyard.mirror import classic, jobs
from chartyard.mirror.copy import Copier
from chartyard.mirror.images import DOCKER_HUB, parse_image
from chartyard.mirror.plan import ChartItem, Plan, PlanError, build, chart_target_ref
from chartyard.oci import RegistryClient, RegistryWriter, parse_endpoint
from chartyard.registries.families import is_index_target
from chartyard.sources import HelmRepoTarget, RegistryTarget, SourceOptions, open_helm_repo
from chartyard.store.models import MirrorRun, utcnow

log = logging.getLogger(__name__)

EnsureRepo = Callable[[str], Awaitable[None]]
RETRIES = 3
RETRY_SECONDS = 15
_DOCKER_HUB_API = "registry-1.docker.io"


async def download_item(ctx: AppContext, source: HelmRepoTarget,
                        item: ChartItem) -> classic.Downloaded:
    """Download a classic chart version's archive (digest-checked) from its repository."""
    repo = open_helm_repo(source, ctx.sources)
    try:
        return await classic.download(repo.client, item.urls[0],
                                      chart=f"{item.name} {item.version}", digest=item.digest)
    finally:
        await repo.aclose()


@asynccontextmanager
async def open_client(target: RegistryTarget, options: SourceOptions,
                      ) -> AsyncIterator[tuple[RegistryClient, EnsureRepo]]:
    """Yield a client of an OCI registry (ECR: with a fresh token) and a repository maker."""
    budget = options.budgets.for_host(target.endpoint.authority)
    credentials = target.credentials
    aws: EcrClient | None = None
    ecr = target.ecr
    if ecr is not None and ecr.auth.kind != "anonymous":
        aws = EcrClient(ecr.endpoint, ecr.auth, role_cache=options.role_cache,
                        token_cache=options.token_cache)
        credentials = await asyncio.to_thread(aws.registry_credentials)
    made: set[str] = set()

    async def ensure(repository: str) -> None:
        if aws is None or repository in made:
            return
        relative = target.endpoint.relative(repository) or repository
        await asyncio.to_thread(aws.ensure_repository, relative)
        made.add(repository)

    client = RegistryClient(target.endpoint, credentials, target.tls, limits=options.limits,
                            transport=options.transport, egress=options.egress, budget=budget)
    async with client:
        yield client, ensure


class DbProgress:
    """Record finished blobs of one run in the database (see `chartyard.mirror.copy`)."""

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
            async with open_client(plan.target, options) as (client, ensure):
                copier = Copier(RegistryWriter(client), progress)
                for index, item in enumerate(plan.charts):
                    if charts[index].get("done"):
                        continue
                    await ensure(item.target_repository)
                    entry = await self._chart(copier, plan, item)
                    await asyncio.to_thread(self._chart_done, index, entry)
                images = []
                for ref in plan.images:
                    images.append(await self._image(copier, plan, ref, ensure))
                    await asyncio.to_thread(self._images, images)
        except (ChartyardError, ValueError, httpx.HTTPError) as exc:
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
        if is_index_target(item.source):
            digest, copied = await self._classic(copier, item, item.source)
        else:
            async with open_client(item.source, self.ctx.sources) as (client, _):
                done = await copier.copy_artifact(RegistryWriter(client), item.repository,
                                                  item.digest, item.target_repository,
                                                  item.tag)
            digest, copied = done.digest, done.copied
        return {**entry, "digest": digest, "copied": copied}

    async def _classic(self, copier: Copier, item: ChartItem,
                       source: HelmRepoTarget) -> tuple[str, bool]:
        if not item.urls:
            raise PlanError(f"the chart {item.name} {item.version} has no archive URL in "
                            "the catalog; sync its Helm repository")
        downloaded = await download_item(self.ctx, source, item)
        try:
            converted = await asyncio.to_thread(classic.convert, downloaded)
            writer = copier.target
            dst = item.target_repository
            if await writer.has_manifest(dst, item.tag) == converted.digest:
                await copier.already_there(converted.parsed(), dst)
                return converted.digest, False
            blobs: list[tuple[str, int, Callable[[], Any]]] = [
                (compute_digest(converted.config), len(converted.config),
                 lambda: _bytes(converted.config)),
                (converted.chart_digest, converted.chart_size,
                 lambda: _file(downloaded.archive.rewind())),
            ]
            if converted.prov is not None:
                prov = converted.prov
                blobs.append((compute_digest(prov), len(prov), lambda: _bytes(prov)))
            for digest, size, opener in blobs:
                await copier.put_blob(digest, size, dst, opener)
            await writer.put_manifest(dst, item.tag, converted.manifest,
                                      "application/vnd.oci.image.manifest.v1+json")
            return converted.digest, True
        finally:
            downloaded.close()

    async def _image(self, copier: Copier, plan: Plan, text: str,
                     ensure: Callable[[str], Awaitable[None]]) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": text}
        try:
            ref = parse_image(text)
            source = plan.by_authority.get(ref.host)
            if source is None:
                host = _DOCKER_HUB_API if ref.host == DOCKER_HUB else ref.host
                source = RegistryTarget(kind="basic", endpoint=parse_endpoint(f"https://{host}"))
            dst = plan.target_repository(ref.path)
            tag = ref.tag
            entry.update(source=str(ref), target=f"{plan.target_endpoint.authority}/{dst}"
                         + (f":{tag}" if tag else ""))
            await ensure(dst)
            async with open_client(source, self.ctx.sources) as (client, _):
                done = await copier.copy_artifact(RegistryWriter(client),
                                                  source.endpoint.repository(ref.path),
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


@asynccontextmanager
async def _bytes(data: bytes) -> AsyncIterator[AsyncIterator[bytes]]:
    async def chunks() -> AsyncIterator[bytes]:
        yield data

    yield chunks()


@asynccontextmanager
async def _file(file: Any) -> AsyncIterator[AsyncIterator[bytes]]:
    yield classic.file_chunks(file)


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
