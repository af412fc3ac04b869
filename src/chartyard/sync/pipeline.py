"""Run one sync as a pipeline: discover, diff, fetch only what is new, apply in one transaction.

Stages:
1. discover: list the repositories under the base paths (or the explicit ones);
2. per repository: list tags, diff against the catalog by tag (and digest when forced),
   fetch manifests and config blobs of new or changed tags only;
3. apply everything in one transaction while still holding the lease.
A failure in stage 1 or 2 leaves the catalog as it was and records why.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chartyard.context import AppContext
from chartyard.errors import ChartyardError, category
from chartyard.oci import CatalogUnsupported, NotFound
from chartyard.registries.families import family_of_target
from chartyard.registries.kinds import kind_of
from chartyard.sources import AnyTarget, ChartSource, HelmIndexSource
from chartyard.store.models import (
    ChartProvenance,
    ChartVersion,
    IgnoredTag,
    Registry,
    SyncRun,
    SyncState,
    Tenant,
    utcnow,
)
from chartyard.sync import staging
from chartyard.sync.apply import Changes, ChartRow, apply_changes, apply_index, record_failure
from chartyard.sync.fetch import FetchedChart, SkippedTag, fetch_tag
from chartyard.sync.helm_index import IndexChart, IndexKnown, IndexSyncResult, collect_index
from chartyard.sync.plan import Known, RepoPlan, plan_repository
from chartyard.trust.sync import judge_fetched, judge_index

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Outcome:
    """How a sync ended, for the worker and for tests."""

    status: str
    requests: int
    added: int = 0
    removed: int = 0
    skipped: int = 0
    error_code: str | None = None


async def bounded(items: Iterable[T], fn: Callable[[T], Awaitable[R]], limit: int) -> list[R]:
    """Run `fn` over items with at most `limit` running at once; fail fast on an error."""
    queue = list(items)
    results: list[R | None] = [None] * len(queue)
    position = iter(range(len(queue)))

    async def worker() -> None:
        for i in position:
            results[i] = await fn(queue[i])

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(max(1, min(limit, len(queue)))):
                group.create_task(worker())
    except ExceptionGroup as group_error:
        # The first failure is the cause; the others are its echoes in sibling tasks.
        raise group_error.exceptions[0] from None
    return [r for r in results if r is not None]


def next_due(reg: Registry, ctx: AppContext, *, failed: bool) -> datetime | None:
    """Return when the registry is next due: periodic with jitter when sync is on."""
    if not reg.is_sync_supported:
        return None
    interval = reg.sync_interval_seconds or ctx.settings.sync_interval_seconds
    if failed:
        interval = min(interval, 300)
    jitter = ctx.settings.sync_jitter_fraction
    return utcnow() + timedelta(seconds=interval * random.uniform(1 - jitter, 1 + jitter))  # noqa: S311


def _load_known(session: Session, uid: str) -> dict[str, dict[str, Known]]:
    known: dict[str, dict[str, Known]] = defaultdict(dict)
    for cuid, repo, tag, digest, checked in session.execute(
        select(ChartVersion.uid, ChartVersion.repository, ChartVersion.tag, ChartVersion.digest,
               ChartProvenance.chart_version_uid)
        .outerjoin(ChartProvenance, ChartProvenance.chart_version_uid == ChartVersion.uid)
        .where(ChartVersion.registry_uid == uid)
    ):
        # Versions indexed before signature checks: a forced sync fetches them again.
        known[repo][tag] = Known(repo, digest if checked else "", chart_uid=cuid)
    for iid, repo, tag, digest in session.execute(
        select(IgnoredTag.id, IgnoredTag.repository, IgnoredTag.tag, IgnoredTag.digest)
        .where(IgnoredTag.registry_uid == uid)
    ):
        known[repo].setdefault(tag, Known(repo, digest, ignored_id=iid))
    return known


class Progress:
    """Write live progress to the sync state at most every `interval` seconds."""

    def __init__(self, ctx: AppContext, uid: str, interval: float = 0.5) -> None:
        self.ctx, self.uid, self.interval = ctx, uid, interval
        self.total = self.done = self.versions = 0
        self._last = 0.0

    def _write(self) -> None:
        from chartyard.store.models import SyncState

        with self.ctx.transaction() as session:
            state = session.get(SyncState, self.uid)
            if state is not None:
                state.repositories_total = self.total
                state.repositories_done = self.done
                state.chart_versions = self.versions

    async def report(self, *, final: bool = False) -> None:
        """Persist progress if enough time has passed (or always when `final`)."""
        now = time.monotonic()
        if final or now - self._last >= self.interval:
            self._last = now
            await asyncio.to_thread(self._write)


class SyncJob:
    """One sync of one registry by one worker."""

    def __init__(self, ctx: AppContext, uid: str, worker: str) -> None:
        self.ctx, self.uid, self.worker = ctx, uid, worker
        self.progress = Progress(ctx, uid)
        self.changes = Changes()

    target: AnyTarget
    _started: tuple[Registry, SyncRun, dict[str, dict[str, Known]], bool]

    def _start(self) -> tuple[Registry, SyncRun, dict[str, dict[str, Known]], bool] | None:
        with self.ctx.transaction() as session:
            reg = session.get(Registry, self.uid)
            if reg is None or reg.sync is None or reg.sync.lease_owner != self.worker:
                return None
            force = reg.sync.force_requested
            # Runs left InProgress by a worker that died are closed, not left stuck.
            session.execute(
                update(SyncRun).where(SyncRun.registry_uid == reg.uid,
                                      SyncRun.status == "InProgress")
                .values(status="Failed", finished_at=utcnow(), error_code="WorkerLost",
                        error_message="the worker running this sync stopped; another worker "
                                      "took over its lease")
            )
            reg.sync.status = "InProgress"
            reg.sync.message = "synchronizing"
            reg.sync.last_run_time = utcnow()
            run = SyncRun(registry_uid=reg.uid, worker=self.worker, forced=force)
            session.add(run)
            session.flush()
            tenant = session.get(Tenant, reg.tenant_uid)
            assert tenant is not None
            self.target = kind_of(reg).target(reg.spec, self.ctx.box.decrypt(reg.secrets_enc),
                                              tenant.aws_external_id)
            return reg, run, _load_known(session, reg.uid), force

    async def run(self) -> Outcome:
        """Run the pipeline and record the outcome; never leaves the state InProgress."""
        started = await asyncio.to_thread(self._start)
        if started is None:
            return Outcome("Skipped", 0)
        self._started = started
        # The registry's family opens its source and picks run_catalog or run_index.
        return await family_of_target(self.target).sync(self, self.target, self.ctx.sources)

    async def run_catalog(self, source: ChartSource) -> Outcome:
        """Discover repositories, list tags, fetch new manifests, apply; closes `source`."""
        reg, run, known, force = self._started
        try:
            await self._collect(source, known, force)
            self.changes.judged = await judge_fetched(self.ctx, reg.tenant_uid,
                                                      self.changes.charts)
        except ChartyardError as exc:  # transient, configuration or content: the run fails
            run.requests = source.stats.total
            return await self._fail(reg, run, exc.code, exc.message, category(exc))
        finally:
            await source.aclose()
        run.requests = source.stats.total
        await self.progress.report(final=True)
        applied = await asyncio.to_thread(self._apply, reg, run)
        if not applied:
            return Outcome("LeaseLost", run.requests)
        return Outcome("Completed", run.requests, run.added, run.removed, run.skipped)

    async def run_index(self, source: HelmIndexSource) -> Outcome:
        """Sync a Helm repository: one conditional index GET, a diff staged in batches,
        signatures judged, one short transaction."""
        reg, run, _, force = self._started
        await asyncio.to_thread(self._discard_staged, reg.uid)

        def stage(batch: list[IndexChart]) -> None:
            with self.ctx.transaction() as session, staging.unmapped(session):
                staging.stage(session, reg, run.uid, batch)

        try:
            cursor, known = await asyncio.to_thread(self._index_known, reg.uid)
            result = await collect_index(source.client, known, cursor, force=force,
                                         egress=self.ctx.sources.egress, stage=stage)
            if result.plan is not None:
                await self._judge_staged(reg, run.uid, source)
        except ChartyardError as exc:  # transient, configuration or content: the run fails
            run.requests = source.stats.total
            await asyncio.to_thread(self._discard_staged, reg.uid)
            return await self._fail(reg, run, exc.code, exc.message, category(exc))
        except BaseException:
            await asyncio.shield(asyncio.to_thread(self._discard_staged, reg.uid))
            raise
        finally:
            await source.aclose()
        run.requests = source.stats.total
        if result.plan is not None:
            self.progress.total = self.progress.done = result.plan.chart_names
            self.progress.versions = result.plan.versions
            await self.progress.report(final=True)
        applied = await asyncio.to_thread(self._apply_index, reg, run, result)
        if not applied:
            await asyncio.to_thread(self._discard_staged, reg.uid)
            return Outcome("LeaseLost", run.requests)
        return Outcome("Completed", run.requests, run.added, run.removed, run.skipped)

    async def _judge_staged(self, reg: Registry, run_uid: str,
                            source: HelmIndexSource) -> None:
        """Judge the provenance of the staged new entries a batch at a time, and stage the
        verdicts beside them (nothing of the whole index is held in memory)."""
        after = 0
        while True:
            batch = await asyncio.to_thread(self._staged_batch, run_uid, after)
            if not batch:
                return
            after = batch[-1].id
            judged = await judge_index(self.ctx, reg.tenant_uid, source.client, batch,
                                       self.ctx.sources.limits.max_in_flight)
            by_uid = {c.uid: judged[(c.repository, c.tag)] for c in batch
                      if (c.repository, c.tag) in judged}
            await asyncio.to_thread(self._stage_verdicts, reg, run_uid, by_uid)

    def _staged_batch(self, run_uid: str, after: int) -> list[staging.StagedChart]:
        with self.ctx.transaction() as session, staging.unmapped(session):
            return staging.staged_charts(session, run_uid, after)

    def _stage_verdicts(self, reg: Registry, run_uid: str,
                        judged: staging.StagedVerdicts) -> None:
        with self.ctx.transaction() as session, staging.unmapped(session):
            staging.stage_verdicts(session, reg, run_uid, judged)

    def _discard_staged(self, uid: str) -> None:
        with self.ctx.transaction() as session:
            staging.discard(session, uid)

    def _index_known(self, uid: str) -> tuple[dict[str, object] | None,
                                              dict[tuple[str, str], IndexKnown]]:
        with self.ctx.transaction() as session:
            state = session.get(SyncState, uid)
            # Versions indexed before signature checks count as changed, so they get one.
            known = {
                (repo, tag): IndexKnown(cuid, fingerprint if checked else "")
                for cuid, repo, tag, fingerprint, checked in session.execute(
                    select(ChartVersion.uid, ChartVersion.repository, ChartVersion.tag,
                           ChartVersion.config_digest, ChartProvenance.chart_version_uid)
                    .outerjoin(ChartProvenance,
                               ChartProvenance.chart_version_uid == ChartVersion.uid)
                    .where(ChartVersion.registry_uid == uid))
            }
            return (state.cursor if state is not None else None), known

    def _apply_index(self, reg: Registry, run: SyncRun, result: IndexSyncResult) -> bool:
        plan = result.plan
        changes = None if plan is None else Changes(
            charts=list[ChartRow](plan.charts), drop=plan.drop,
            repositories=plan.chart_names, replaced=plan.replaced,
            staged_run=run.uid, staged=plan.staged)
        with self.ctx.transaction() as session, staging.unmapped(session):
            return apply_index(session, reg, run, self.worker, changes, result.cursor,
                               result.status, next_due(reg, self.ctx, failed=False))

    async def _collect(self, source: ChartSource, known: dict[str, dict[str, Known]],
                       force: bool) -> None:
        try:
            repos = await source.list_repositories()
        except CatalogUnsupported:
            # A refused _catalog may really be refused credentials: ping tells which.
            await source.ping()
            raise
        self.progress.total = len(repos)
        self.changes.repositories = len(repos)
        listed = set(repos)
        for repo, tags in known.items():
            if repo not in listed:
                self.changes.drop.extend(tags.values())
        limit = 2 * self.ctx.sources.limits.max_in_flight
        await bounded(repos, lambda r: self._repository(source, r, known.get(r, {}), force),
                      limit)

    async def _repository(self, source: ChartSource, repo: str, known: dict[str, Known],
                          force: bool) -> bool:
        try:
            tags = await source.list_tags(repo)
        except NotFound:
            tags = []
        plan = plan_repository(repo, tags, known, force=force)
        await self._recheck(source, plan)
        limit = self.ctx.sources.limits.max_in_flight
        for result in await bounded(plan.fetch, lambda t: fetch_tag(source, repo, t), limit):
            if isinstance(result, FetchedChart):
                self.changes.charts.append(result)
            elif isinstance(result, SkippedTag):
                self.changes.skipped.append(result)
        self.changes.drop.extend(plan.drop)
        self.progress.done += 1
        self.progress.versions += sum(1 for k in known.values() if k.chart_uid) + len(plan.fetch)
        await self.progress.report()
        return True

    async def _recheck(self, source: ChartSource, plan: RepoPlan) -> None:
        async def head(item: tuple[str, Known]) -> tuple[str, Known, str | None]:
            tag, entry = item
            try:
                return tag, entry, await source.head_manifest(plan.repository, tag)
            except NotFound:
                return tag, entry, None

        limit = self.ctx.sources.limits.max_in_flight
        for tag, entry, digest in await bounded(plan.recheck, head, limit):
            if digest != entry.digest:
                plan.drop.append(entry)
                if digest is not None:
                    plan.fetch.append(tag)
                    self.changes.replaced += 1 if entry.chart_uid else 0

    def _apply(self, reg: Registry, run: SyncRun) -> bool:
        with self.ctx.transaction() as session:
            return apply_changes(session, reg, run, self.worker, self.changes,
                                 next_due(reg, self.ctx, failed=False))

    async def _fail(self, reg: Registry, run: SyncRun, code: str, message: str,
                    kind: str = "other") -> Outcome:
        text = f"{message} (the previous catalog is kept)"
        log.warning("sync failed", extra={"registry": reg.uid, "code": code, "category": kind})

        def write() -> None:
            with self.ctx.transaction() as session:
                record_failure(session, reg.uid, run, self.worker, code, text,
                               next_due(reg, self.ctx, failed=True))

        await asyncio.to_thread(write)
        return Outcome("Failed", run.requests, error_code=code)
